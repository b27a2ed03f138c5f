// gconnect as a package: a host app mounts gconnect.router with routes, session data and a 404
// of its own, and signs in through the emulator.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createEmulator, type Emulator } from '../../emulator/server/emulator.js';
import {
  ConfigError,
  createGconnect,
  optionsFromEnv,
  type FeatureStatus,
  type Gconnect,
} from '../../src/index.js';
import { CLIENT } from '../support/client.js';
import { signInOk } from '../support/sign-in.js';

declare module 'express-session' {
  interface SessionData {
    /** The host's own session data, typed by declaration merging as docs/api.md shows. */
    cart?: string[];
  }
}

let emulator: Emulator;
let gconnect: Gconnect;
let server: Server;
let url: string;
let dataDir: string;

beforeAll(async () => {
  emulator = await createEmulator({ clients: [CLIENT] });
  dataDir = mkdtempSync(join(tmpdir(), 'gconnect-host-'));
  gconnect = await createGconnect({
    google: { ...CLIENT, emulatorUrl: emulator.url, timeoutMs: 3000 },
    database: `file:${join(dataDir, 'app.db')}`,
    sessionSecrets: ['host-app-session-secret-0123456789abcdef'],
    rateLimitPerMinute: 0,
    appName: 'Host App',
    links: [{ href: '/dashboard', text: 'Dashboard' }],
    logger: pino({ level: 'silent' }),
  });
  const app = express();
  app.set('view engine', 'host-engine-that-does-not-exist');
  app.get('/', (_req, res) => {
    res.send('host home');
  });
  app.use(gconnect.router);
  app.get('/dashboard', gconnect.requireSignIn, (req, res) => {
    res.send(`Hello ${gconnect.signedInUser(req)!.name}`);
  });
  app.post('/cart/:item', (req, res) => {
    req.session.cart = [...(req.session.cart ?? []), req.params.item];
    res.json(req.session.cart);
  });
  app.get('/cart', (req, res) => {
    res.json(req.session.cart ?? []);
  });
  app.get('/host-error', () => {
    throw new Error('the host failed');
  });
  app.get('/token', gconnect.requireSignIn, async (req, res) => {
    res.json({ token: await gconnect.googleAccessToken(gconnect.signedInUser(req)!.id) });
  });
  app.get('/who', async (req, res) => {
    res.json({
      signedIn: gconnect.signedInUser(req) ?? null,
      current: (await gconnect.currentUser(req))?.email ?? null,
    });
  });
  app.use((_req, res) => {
    res.status(404).send('host 404');
  });
  app.use(
    (_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send('host error page');
    },
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await gconnect.close();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a host app that mounts gconnect.router', () => {
  it("when the host's home or an unknown path is asked for, then the host answers, without gconnect's headers", async () => {
    const home = await supertest(url).get('/').expect(200);
    expect(home.text).toBe('host home');
    expect(home.headers['content-security-policy']).toBeUndefined();
    const unknown = await supertest(url)
      .get('/no-such-page')
      .set('Accept', 'text/html')
      .expect(404);
    expect(unknown.text).toBe('host 404');
    expect(unknown.headers['content-security-policy']).toBeUndefined();
  });

  it("when a host route fails, then the host's error handler answers, not gconnect's", async () => {
    const res = await supertest(url).get('/host-error').set('Accept', 'text/html').expect(500);
    expect(res.text).toBe('host error page');
  });

  it("when gconnect's own checks refuse a host path (a cross-site POST), then the host's error handler answers; on gconnect's path gconnect's does", async () => {
    const host = await supertest(url)
      .post('/cart/apple')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Accept', 'application/json')
      .expect(500);
    expect(host.text).toBe('host error page');
    await supertest(url)
      .post('/logout')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Accept', 'application/json')
      .expect(403, '"Cross-site request refused."');
  });

  it("when gconnect's pages render, then they use gconnect's views with the host's name and links, whatever the host's view engine", async () => {
    const res = await supertest(url).get('/login').set('Accept', 'text/html').expect(200);
    expect(res.text).toContain('Host App');
    expect(res.text).toContain('href="/dashboard"');
    expect(res.headers['content-security-policy']).toMatch(/nonce-/);
  });

  it('when a host reads `features` of GET /account/google, then FeatureStatus names each value (checked by npm run typecheck)', () => {
    expectTypeOf<FeatureStatus>().toEqualTypeOf<'granted' | 'denied' | 'not_granted'>();
  });

  it('when a visitor is not signed in, then the protected page sends a browser to sign in and a JSON client gets 401', async () => {
    const page = await supertest(url).get('/dashboard').set('Accept', 'text/html').expect(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Fdashboard');
    await supertest(url)
      .get('/dashboard')
      .set('Accept', 'application/json')
      .expect(401, { error: 'Not signed in.' });
  });

  it('when a user signs in through the emulator, then the protected page greets them, and signedInUser, currentUser and googleAccessToken work', async () => {
    const agent = supertest.agent(url);
    await signInOk({ emulator }, agent, 'alice@example.com', /json|html/);
    const dashboard = await agent.get('/dashboard').expect(200);
    expect(dashboard.text).toMatch(/^Hello \S/);
    const who = await agent.get('/who').expect(200);
    expect(who.body).toEqual({ signedIn: null, current: 'alice@example.com' });
    const token = await agent.get('/token').expect(200);
    expect(typeof (token.body as { token: string }).token).toBe('string');
    expect((token.body as { token: string }).token.length).toBeGreaterThan(10);
  });

  it("when the host keeps data in the session, then it survives requests; sign-in's regenerated session drops it (anti-fixation)", async () => {
    const agent = supertest.agent(url);
    await agent.post('/cart/apple').expect(200, ['apple']);
    await agent.get('/cart').expect(200, ['apple']);
    await signInOk({ emulator }, agent, 'alice@example.com', /json|html/);
    await agent.get('/cart').expect(200, []);
    await agent.post('/cart/pear').expect(200, ['pear']);
    await agent.get('/cart').expect(200, ['pear']);
    await agent.get('/dashboard').expect(200);
  });
});

describe('createGconnect options', () => {
  it('when several options are wrong, then one ConfigError names every one by its option name', async () => {
    const err = (await createGconnect({
      google: { clientId: 'a', clientSecret: 'b', timeoutMs: -1 },
      database: 'mysql://x',
      maxSessionsPerUser: 0,
      production: true,
      oneTap: false,
      autoSelect: true,
      allowedAccounts: { domains: ['not a domain'] },
      logger: pino({ level: 'silent' }),
    }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      'google.timeoutMs must be a positive whole number, got -1',
      'maxSessionsPerUser must be a positive whole number, got 0',
      'sessionSecrets is required when production is true (the first signs).',
      'database must be file:PATH (SQLite) or postgres://USER@HOST:PORT/DB (PostgreSQL), got "mysql://x".',
      'baseUrl is required when production is true: an origin like https://app.example.com (scheme, host and port; no path), the public origin users sign in at.',
      'tokenKeys is required when production is true (comma-separated id:base64-32-bytes; the first encrypts).',
      'allowedAccounts.domains: "not a domain" is not a domain like example.com.',
      'autoSelect: true needs oneTap: true (automatic sign-in is a One Tap feature).',
    ]);
  });

  it('when an option has the wrong type, then it is named without showing a secret', async () => {
    const err = (await createGconnect({
      google: { clientId: 'a', clientSecret: 'b' },
      sessionSecrets: 'a-secret-given-as-a-string' as unknown as string[],
      oneTap: 'yes' as unknown as boolean,
      logger: pino({ level: 'silent' }),
    }).catch((e: unknown) => e)) as ConfigError;
    expect(err.problems).toEqual([
      'sessionSecrets must be an array of strings, got a string',
      'oneTap must be true or false, got "yes"',
    ]);
    expect(err.message).not.toContain('a-secret-given-as-a-string');
  });

  it('when isDraining is not a function, then it is named', async () => {
    const err = (await createGconnect({
      google: { clientId: 'a', clientSecret: 'b' },
      isDraining: true as unknown as () => boolean,
      logger: pino({ level: 'silent' }),
    }).catch((e: unknown) => e)) as ConfigError;
    expect(err.problems).toEqual(['isDraining must be a function.']);
  });

  it('when the host says it is draining, then /readyz answers 503, and 200 again when it stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gconnect-drain-'));
    let draining = false;
    const g = await createGconnect({
      google: { ...CLIENT, emulatorUrl: emulator.url },
      database: `file:${join(dir, 'app.db')}`,
      isDraining: () => draining,
      logger: pino({ level: 'silent' }),
    });
    try {
      const app = express().use(g.router);
      await supertest(app).get('/readyz').expect(200);
      draining = true;
      await supertest(app).get('/readyz').expect(503);
      draining = false;
      await supertest(app).get('/readyz').expect(200);
    } finally {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when optionsFromEnv reads variables, then createGconnect takes its options, and the server settings come apart', () => {
    const { options, server } = optionsFromEnv({
      GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'secret',
      DATABASE_URL: 'file:/tmp/x/app.db',
      MAX_SESSIONS_PER_USER: '3',
      TRUST_PROXY: '1',
      PORT: '8080',
      SHUTDOWN_GRACE_MS: '4000',
    });
    expect(options).toMatchObject({
      google: { clientId: 'id.apps.googleusercontent.com', clientSecret: 'secret' },
      database: 'file:/tmp/x/app.db',
      maxSessionsPerUser: 3,
      trustProxy: 1,
    });
    expect(server).toMatchObject({ port: 8080, host: '127.0.0.1', shutdownGraceMs: 4000 });
    expect(() => optionsFromEnv({ MAX_SESSIONS_PER_USER: 'zero' })).toThrow(
      /MAX_SESSIONS_PER_USER must be/,
    );
  });

  it('when the environment says otherwise, then the package does not read it', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x',
      MAX_SESSIONS_PER_USER: 'zero',
      GOOGLE_EMULATOR_URL: 'not a url',
      DATABASE_URL: 'mysql://nope',
    });
    const dir = mkdtempSync(join(tmpdir(), 'gconnect-noenv-'));
    try {
      const g = await createGconnect({
        google: { ...CLIENT, emulatorUrl: emulator.url },
        database: `file:${join(dir, 'app.db')}`,
        logger: pino({ level: 'silent' }),
      });
      const app = express().use(g.router);
      // Development cookies (`sid`, not `__Host-sid`): NODE_ENV=production had no effect.
      const res = await supertest(app).get('/login').set('Accept', 'application/json').expect(200);
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      expect(cookies.some((c) => c.startsWith('sid='))).toBe(true);
      expect(cookies.some((c) => c.startsWith('__Host-'))).toBe(false);
      await g.close();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
