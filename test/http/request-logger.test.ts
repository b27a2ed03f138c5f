import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { requestLogger } from '../../src/http/logger.js';
import { staticFiles } from '../../src/http/static-files.js';
import { waitUntil } from '../support/wait-until.js';

interface Line {
  level: number;
  msg: string;
  req: { id: number; method: string; path: string };
  res: { statusCode: number };
  responseTime: number;
}

/** An app answering GET /status/N with N, behind the access log, and the lines it wrote. */
function loggedApp() {
  const lines: Line[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (l: string) => lines.push(JSON.parse(l) as Line) },
  );
  const app = express();
  app.use(requestLogger(logger));
  app.get('/status/:n', (req, res) => {
    res.status(Number(req.params.n)).end();
  });
  return { request: supertest(app), lines };
}

describe('the access log levels', () => {
  it('when the answer is 500 or more, then "request errored" at error; below, "request completed" at info', async () => {
    const { request, lines } = loggedApp();
    for (const status of [500, 503, 499, 200]) await request.get(`/status/${status}?q=1`);
    await waitUntil('four access lines', () => (lines.length >= 4 ? true : undefined));
    // Sorted by status: each line is written when its response closes, in no promised order.
    const seen = lines.map((l) => [l.res.statusCode, l.level, l.msg, l.req.path]);
    expect(seen.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [200, 30, 'request completed', '/status/200'],
      [499, 30, 'request completed', '/status/499'],
      [500, 50, 'request errored', '/status/500'],
      [503, 50, 'request errored', '/status/503'],
    ]);
  });

  it('when a request is answered, then its line gives the whole milliseconds it took', async () => {
    const { request, lines } = loggedApp();
    const before = performance.now();
    await request.get('/status/204');
    await waitUntil('the access line', () => (lines.length === 1 ? true : undefined));
    const took = performance.now() - before;
    expect(lines[0]?.responseTime).toBeGreaterThanOrEqual(0);
    expect(lines[0]?.responseTime).toBeLessThanOrEqual(Math.ceil(took));
  });
});

describe('static files', () => {
  const root = mkdtempSync(join(tmpdir(), 'gconnect-static-'));
  writeFileSync(join(root, 'app.js'), 'ok();');
  writeFileSync(join(root, 'login'), 'a file named like a route');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function appServing(maxAge: string | number) {
    const app = express();
    app.use(staticFiles(root, { maxAge }));
    app.use((_req, res) => {
      res.status(404).json('route');
    });
    return supertest(app);
  }

  it('when a path names a file with an extension, then it is served, with the cache lifetime', async () => {
    const res = await appServing('1h').get('/app.js').expect(200, 'ok();');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    await appServing(0).get('/app.js').expect('Cache-Control', 'public, max-age=0');
  });

  it('when a path has no extension, then the disk is not asked: it goes on to the routes', async () => {
    await appServing(0).get('/login').expect(404, '"route"');
    await appServing(0).get('/app.js/').expect(404, '"route"');
    // A dot in a folder's name is not an extension of the file asked for.
    mkdirSync(join(root, 'v1.2'), { recursive: true });
    writeFileSync(join(root, 'v1.2', 'login'), 'a file under a dotted folder');
    await appServing(0).get('/v1.2/login').expect(404, '"route"');
  });

  it('when the folder itself is asked for, then no index is served', async () => {
    writeFileSync(join(root, 'index.html'), 'index');
    await appServing(0).get('/').expect(404, '"route"');
  });
});
