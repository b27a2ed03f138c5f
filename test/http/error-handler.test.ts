import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import {
  errorHandler,
  formPostsAreApiCalls,
  notFound,
  type ErrorPageOptions,
} from '../../src/http/error-handler.js';
import { capturingLogger } from '../support/logs.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const ERROR = 50;
const INFO = 30;

/**
 * An app whose only route fails with `fail`, behind the error handler (allowed domains:
 * example.com, unless `options` say otherwise), and what it logged.
 */
function appFailingWith(fail: RequestHandler, options: ErrorPageOptions = {}) {
  const logs: LogLine[] = [];
  const logger = capturingLogger('debug', (line) => logs.push(JSON.parse(line) as LogLine));
  const app = express();
  const views = fileURLToPath(new URL('../../views', import.meta.url));
  app.set('views', views);
  app.set('view engine', 'ejs');
  // As the app renders them: partials are included by absolute path under the views root.
  app.engine('ejs', (path, data, done) => {
    ejs.renderFile(path, data, { root: views }, done);
  });
  app.use('/api', formPostsAreApiCalls);
  app.all(['/fail', '/api/fail', '/callback'], express.urlencoded({ extended: false }), fail);
  app.use(notFound);
  app.use(errorHandler(logger, { allowedDomains: ['example.com'], ...options }));
  return { app, request: supertest(app), logs };
}

/** GET over `agent`, the whole body read. */
async function fetchWith(
  agent: http.Agent,
  url: string,
): Promise<{ status: number; body: string }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(url, { agent }, resolve).on('error', reject);
  });
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, body };
}

const throwing =
  (err: unknown): RequestHandler =>
  () => {
    throw err;
  };

describe('the error handler: what is logged', () => {
  it('when an AppError of 500 or more is thrown, then "request failed" at error, with its code and its cause\'s message', async () => {
    const err = new AppError(500, 'Internal server error.', {
      code: 'token_undecryptable',
      cause: new Error('bad tag'),
    });
    const { request, logs } = appFailingWith(throwing(err));
    await request.get('/fail?secret=1').expect(500, '"Internal server error."');
    expect(logs).toEqual([
      expect.objectContaining({
        level: ERROR,
        msg: 'request failed',
        code: 'token_undecryptable',
        path: '/fail',
        error: { type: 'AppError', message: 'token_undecryptable: bad tag' },
      }),
    ]);
  });

  it('when an AppError has no cause, then its code alone is the message', async () => {
    const { request, logs } = appFailingWith(
      throwing(new AppError(502, 'x', { code: 'google_token_failed' })),
    );
    await request.get('/fail').expect(502);
    expect(logs[0]).toMatchObject({
      level: ERROR,
      error: { type: 'AppError', message: 'google_token_failed' },
    });
  });

  it('when a plain Error is thrown, then its name, message and stack are logged, the answer is 500', async () => {
    const { request, logs } = appFailingWith(throwing(new TypeError('boom')));
    await request.get('/fail').expect(500, '"Internal server error."');
    expect(logs[0]).toMatchObject({
      level: ERROR,
      code: 'internal',
      error: { type: 'TypeError', message: 'boom' },
    });
    expect((logs[0]?.error as { stack?: string }).stack).toMatch(/^TypeError: boom\n\s+at /);
  });

  it('when something other than an Error is thrown, then only its type is logged', async () => {
    const { request, logs } = appFailingWith(throwing('a string with a code=4/secret'));
    await request.get('/fail').expect(500);
    expect(logs[0]).toMatchObject({
      level: ERROR,
      error: { type: 'string', message: 'non-error thrown' },
    });
    expect(JSON.stringify(logs)).not.toContain('secret');
  });

  it('when a 4xx is answered (499 included), then "request refused" at info with code, status and path, no error', async () => {
    const { request, logs } = appFailingWith(
      throwing(new AppError(499, 'x', { code: 'http_499' })),
    );
    await request.get('/fail').expect(499);
    expect(logs).toEqual([
      {
        ...logs[0],
        level: INFO,
        msg: 'request refused',
        code: 'http_499',
        status: 499,
        path: '/fail',
      },
    ]);
    expect(logs[0]).not.toHaveProperty('error');
  });
});

describe('the error handler: what is answered', () => {
  it('when the error comes after the response ended, then it is logged and the connection stays open for the next request', async () => {
    const { app, logs } = appFailingWith((_req, res, next) => {
      res.status(200).json('done');
      next(new Error('late'));
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    let connections = 0;
    server.on('connection', () => (connections += 1));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fail`;
      for (let i = 0; i < 2; i += 1) {
        const res = await fetchWith(agent, url);
        expect(res).toEqual({ status: 200, body: '"done"' });
      }
      // Handing the error on would make Express destroy the socket under the sent response.
      expect(connections).toBe(1);
      expect(logs[0]).toMatchObject({ level: ERROR, error: { message: 'late' } });
    } finally {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    }
  });

  it('when the error comes after the headers but before the end, then the response is cut off', async () => {
    const { request } = appFailingWith((_req, res, next) => {
      res.status(200).write('partial');
      next(new Error('mid-body'));
    });
    // Express destroys the socket: the client gets no complete answer.
    await expect(request.get('/fail')).rejects.toThrow();
  });

  it('when the error comes after the headers, then the next error handler gets that error as is', async () => {
    const mid = new Error('mid-body');
    const { app } = appFailingWith((_req, res, next) => {
      res.status(200).write('partial');
      next(mid);
    });
    const handedOn: unknown[] = [];
    // Four parameters: Express tells an error handler by its arity.
    app.use(((err, _req, res, _next) => {
      handedOn.push(err);
      res.destroy();
    }) as ErrorRequestHandler);
    await expect(supertest(app).get('/fail')).rejects.toThrow();
    expect(handedOn).toEqual([mid]);
  });

  it('when a browser navigates to a failing page, then the error page with the plain words and the detail', async () => {
    const { request } = appFailingWith(
      throwing(new AppError(403, 'Not allowed.', { code: 'account_not_allowed' })),
    );
    const res = await request.get('/fail').set('Accept', 'text/html').expect(403);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('Details: Not allowed.');
    expect(res.text).toContain('Only accounts of example.com (and invited addresses) may sign in');
  });

  it('when no allowed domains are configured, then the refused account is told only invited addresses may sign in', async () => {
    const { request } = appFailingWith(
      throwing(new AppError(403, 'Not allowed.', { code: 'account_not_allowed' })),
      { allowedDomains: undefined },
    );
    const res = await request.get('/fail').set('Accept', 'text/html').expect(403);
    expect(res.text).toContain('Only invited addresses may sign in');
    expect(res.text).not.toContain('Only accounts of');
  });

  it('when fetch or curl asks, then a JSON string, even for HEAD and GET', async () => {
    const { request } = appFailingWith(
      throwing(new AppError(403, 'Not allowed.', { code: 'account_not_allowed' })),
    );
    await request.get('/fail').set('Accept', 'application/json').expect(403, '"Not allowed."');
    await request.get('/fail').set('Accept', '*/*').expect(403, '"Not allowed."');
    const head = await request.head('/fail').set('Accept', 'text/html').expect(403);
    expect(head.type).toBe('text/html');
  });

  it("when a browser form post fails, then a page; an API route's form post or a JSON post gets JSON", async () => {
    const { request } = appFailingWith(
      throwing(new AppError(401, 'No.', { code: 'account_not_allowed' })),
    );
    const form = await request
      .post('/fail')
      .set('Accept', 'text/html')
      .type('form')
      .send('a=1')
      .expect(401);
    expect(form.type).toBe('text/html');
    // An API route's form post, a JSON post, a form PUT: each is answered in JSON.
    const apiCalls = [
      () => request.post('/api/fail').type('form').send('a=1'),
      () => request.post('/fail').send({ a: 1 }),
      () => request.put('/fail').type('form').send('a=1'),
    ];
    for (const call of apiCalls) await call().set('Accept', 'text/html').expect(401, '"No."');
  });

  it('when a path has a clean failure page, then a browser is sent there with the reason, not kept on the URL', async () => {
    const { request } = appFailingWith(
      throwing(new AppError(401, 'No.', { code: 'invalid_state' })),
      { cleanFailurePages: { '/callback': '/failed' } },
    );
    const res = await request.get('/callback?code=secret').set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe('/failed?reason=invalid_state&status=401');
    expect(res.headers['cache-control']).toBe('no-store');
    await request.get('/fail').set('Accept', 'text/html').expect(401);
    await request.get('/callback').set('Accept', 'application/json').expect(401, '"No."');
  });

  it('when no route matches, then 404 "Not found." with code not_found', async () => {
    const { request, logs } = appFailingWith(throwing(new Error('unused')));
    await request.get('/nothing-here').expect(404, '"Not found."');
    expect(logs[0]).toMatchObject({ code: 'not_found', status: 404 });
  });
});
