/**
 * Sessions, after OWASP ASVS 5.0 V3.3 (cookie setup) and V7 (session management): production
 * cookie attributes, idle and absolute lifetimes, secret rotation, termination at logout and
 * disconnect, and anonymous sessions that cannot pile up.
 */
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import pino from 'pino';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type AppDeps } from '../../src/composition/app.js';
import { loadConfig } from '../../src/config/from-env.js';
import { ConfigError } from '../../src/config/resolve.js';
import { STATE_TTL_MS } from '../../src/signin/state.js';
import { startServer } from '../../src/server/start.js';
import { CLIENT } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { getState, signInOk, sessionCookieOf, sessionIdOf } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const ALICE = 'alice@example.com';
const PRODUCTION_SECRET = 'production-secret-0123456789abcdef-0123';
const PUBLIC_ORIGIN = 'https://app.example.com';

/** Set-Cookie attributes, lower-cased names. */
function attributesOf(setCookie: string): Record<string, string | true> {
  const [, ...parts] = setCookie.split(';').map((p) => p.trim());
  return Object.fromEntries(
    parts.map((p) => {
      const [k = '', v] = p.split('=');
      return [k.toLowerCase(), v ?? true];
    }),
  );
}

function sessionRow(db: Database.Database, sid: string) {
  return db.prepare('SELECT sess, expires_at FROM sessions WHERE sid = ?').get(sid) as
    { sess: string; expires_at: number } | undefined;
}

describe('production cookies (ASVS 5.0 V3.3; RFC 6265bis §4.1.3.2 __Host- prefix)', () => {
  // The production configuration as the operator writes it; production refuses the emulator,
  // so its app settings are given to the test harness as overrides instead.
  const productionEnv = {
    NODE_ENV: 'production',
    SESSION_SECRET: PRODUCTION_SECRET,
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    TRUST_PROXY: 'loopback',
    BASE_URL: PUBLIC_ORIGIN,
    GOOGLE_CLIENT_ID: CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
  };
  const config = loadConfig(productionEnv);
  const productionApp = {
    production: config.production,
    sessionSecrets: config.sessionSecrets ?? [],
    session: config.session,
    trustProxy: config.trustProxy,
    baseUrl: config.baseUrl,
    emulator: false,
  };
  let h: Harness;
  const https = { 'X-Forwarded-Proto': 'https' };
  useHarness({ app: productionApp }, (s) => (h = s.h));

  it('when NODE_ENV=production names the emulator, then the configuration is refused', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        SESSION_SECRET: PRODUCTION_SECRET,
        GOOGLE_CLIENT_ID: CLIENT.clientId,
        GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
        GOOGLE_EMULATOR_URL: h.emulator.url,
      }),
    ).toThrow(ConfigError);
  });

  it('when a forwarded https request signs in, then the cookie is __Host-sid; Secure; HttpOnly; SameSite=Lax; Path=/ and has no Domain', async () => {
    const login = await supertest(h.url).get('/login').set(https).set('Accept', 'application/json');
    const anonymous = sessionCookieOf(login)!;
    const state = (login.body as { state: string }).state;
    const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
    const res = await supertest(h.url)
      .post(`/gconnect?state=${state}`)
      .set(https)
      .set('Cookie', anonymous.split(';')[0]!)
      .type('text/plain')
      .send(code);
    expect(res.status, res.text).toBe(200);
    const cookie = sessionCookieOf(res)!;
    expect(cookie).toMatch(/^__Host-sid=/);
    const attributes = attributesOf(cookie);
    expect(attributes).toMatchObject({ path: '/', httponly: true, secure: true, samesite: 'Lax' });
    expect(attributes).not.toHaveProperty('domain');
    await supertest(h.url).get('/me').set(https).set('Cookie', cookie.split(';')[0]!).expect(200);
  });

  it('when the same proxied request arrives over plain http, then no session cookie is set at all', async () => {
    const res = await supertest(h.url).get('/login').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(sessionCookieOf(res)).toBeUndefined();
  });

  it('when logging out in production, then the cookie is cleared with the same __Host- attributes', async () => {
    const login = await supertest(h.url).get('/login').set(https);
    const cookie = sessionCookieOf(login)!.split(';')[0]!;
    const res = await supertest(h.url).post('/logout').set(https).set('Cookie', cookie);
    expect(res.status).toBe(303);
    const cleared = sessionCookieOf(res)!;
    expect(cleared).toMatch(/^__Host-sid=;/);
    expect(attributesOf(cleared)).toMatchObject({ path: '/', secure: true, httponly: true });
  });

  it("when a client behind the trusted proxy forges X-Forwarded-Host, then redirect_uri is still BASE_URL's", async () => {
    const res = await supertest(h.url)
      .get('/auth/google')
      .set(https)
      .set('X-Forwarded-Host', 'attacker.example')
      .expect(302);
    const authorization = new URL(String(res.headers.location));
    expect(authorization.searchParams.get('redirect_uri')).toBe(
      `${PUBLIC_ORIGIN}/auth/google/callback`,
    );
  });

  it('when a client behind the trusted proxy forges X-Forwarded-Host, then a POST from that origin is cross-site', async () => {
    await supertest(h.url)
      .post('/logout')
      .set(https)
      .set('X-Forwarded-Host', 'attacker.example')
      .set('Origin', 'https://attacker.example')
      .expect(403);
  });

  it('when production is given without BASE_URL, then the configuration and the app both refuse', () => {
    expect(() => loadConfig({ ...productionEnv, BASE_URL: '' })).toThrow(
      /BASE_URL is required when NODE_ENV=production/,
    );
    // An app built without loadConfig (the harness's overrides) is held to it too.
    expect(() =>
      createApp({ config: { ...productionApp, baseUrl: undefined } } as unknown as AppDeps),
    ).toThrow('createApp: production needs baseUrl (BASE_URL), the public origin');
  });

  it("when /login is viewed, then the nonce binding cookie is __Host-, Secure, HttpOnly, SameSite=None, Path=/ and no Domain, so Google's cross-site form post carries it", async () => {
    const login = await supertest(h.url).get('/login').set(https).set('Accept', 'application/json');
    const binding = ([] as string[])
      .concat(login.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('__Host-nonce-bind='))!;
    expect(binding).toMatch(/^__Host-nonce-bind=[\w-]{43};/);
    const attributes = attributesOf(binding);
    expect(attributes).toEqual({ path: '/', httponly: true, secure: true, samesite: 'None' });
    // Redirect mode as Google posts it: cross-site, no session cookie, the binding cookie sent.
    const nonce = (login.body as { nonce: string }).nonce;
    const credential = await h.emulator.issueCredential({
      account: ALICE,
      clientId: CLIENT.clientId,
      nonce,
    });
    const res = await supertest(h.url)
      .post('/auth/google/credential')
      .set(https)
      .set('Origin', h.emulator.url)
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Cookie', `g_csrf_token=t; ${binding.split(';')[0]!}`)
      .type('form')
      .send({ credential, g_csrf_token: 't' });
    expect(res.status, res.text).toBe(303);
    expect(sessionCookieOf(res)).toMatch(/^__Host-sid=/);
  });

  it('when X-Forwarded-Proto comes from a proxy that is not trusted, then it is ignored', async () => {
    const untrusted = await startHarness({ app: { ...productionApp, trustProxy: undefined } });
    try {
      const res = await supertest(untrusted.url).get('/login').set(https);
      expect(res.status).toBe(200);
      expect(sessionCookieOf(res)).toBeUndefined();
    } finally {
      await untrusted.close();
    }
  });
});

describe('idle and absolute lifetime (ASVS 5.0 V7.3)', () => {
  let h: Harness;
  let db: Database.Database;
  const minutes = (n: number) => n * 60_000;

  // One clock for everything (cookie expiry, the store, the app): the real one, moved by hand.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  useHarness(
    { env: { SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '1' }, reset: 'nothing' },
    (s) => ({ h, db } = s),
  );

  it('when the defaults are used, then they are the ones docs/configuration.md documents (V7.1.1)', () => {
    const config = loadConfig({ GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' });
    expect(config.session).toEqual({
      idleTimeoutMs: minutes(120),
      absoluteTimeoutMs: 24 * 3_600_000,
    });
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toMatch(/`SESSION_IDLE_MINUTES`[^\n]*`120`/);
    expect(doc).toMatch(/`SESSION_ABSOLUTE_HOURS`[^\n]*`24`/);
  });

  /** /me with the session's cookie sent by hand: a cookie jar drops an expired cookie, and
   * then the server, whose expiry this is, would never be asked. */
  async function signedInMe() {
    const res = await signInOk(h, h.client(), ALICE);
    const cookie = sessionCookieOf(res)!.split(';')[0]!;
    return () => supertest(h.url).get('/me').set('Cookie', cookie);
  }

  it('when a signed-in session is idle longer than SESSION_IDLE_MINUTES, then the server ends it', async () => {
    const me = await signedInMe();
    vi.setSystemTime(Date.now() + minutes(31)); // idle, and well inside the absolute hour
    await me().expect(401, { error: 'Not signed in.' });
  });

  it('when a signed-in session is active within SESSION_IDLE_MINUTES, then each request extends it', async () => {
    const me = await signedInMe();
    vi.setSystemTime(Date.now() + minutes(25));
    await me().expect(200);
    vi.setSystemTime(Date.now() + minutes(25)); // 50 min after sign-in, 25 idle
    await me().expect(200);
  });

  it('when a session stays active past SESSION_ABSOLUTE_HOURS, then it ends anyway and its row is deleted', async () => {
    const agent = h.client();
    const res = await signInOk(h, agent, ALICE);
    const sid = sessionIdOf(sessionCookieOf(res)!);
    // Active every 19 minutes: never idle, and 57 minutes in, still inside the hour.
    for (let t = 0; t < 3; t++) {
      vi.setSystemTime(Date.now() + minutes(19));
      await agent.get('/me').expect(200);
    }
    vi.setSystemTime(Date.now() + minutes(8)); // 65 minutes after sign-in, never idle
    const over = await agent.get('/me').expect(401, { error: 'Not signed in.' });
    expect(sessionRow(db, sid)).toBeUndefined();
    // What replaces it is an anonymous session, with an anonymous visitor's 10-minute life.
    const replacement = ([] as string[])
      .concat(over.headers['set-cookie'] ?? [])
      .find((c) => /^sid=s/.test(c));
    const expires = Date.parse(/Expires=([^;]+)/.exec(replacement ?? '')?.[1] ?? '');
    expect(expires - Date.now()).toBeLessThanOrEqual(minutes(10));
  });
});

describe('SESSION_SECRET rotation (ASVS 5.0 V7.2; DESIGN: the first signs, all verify)', () => {
  let h: Harness;
  const OLD = 'old-session-secret-0123456789abcdef';
  const NEW = 'new-session-secret-0123456789abcdef';

  beforeAll(async () => {
    h = await startHarness({ env: { SESSION_SECRET: OLD } });
  });
  afterAll(() => h.close());

  async function serverWith(secrets: string[]) {
    return startServer(
      { ...h.settings, options: { ...h.settings.options, sessionSecrets: secrets } },
      { logger: pino({ level: 'silent' }) },
    );
  }

  it('when a new secret is put first, then cookies signed with the old one still work, and are re-signed with the new one', async () => {
    const agent = h.client();
    const res = await signInOk(h, agent, ALICE);
    const oldCookie = sessionCookieOf(res)!.split(';')[0]!;
    const rotated = await serverWith([NEW, OLD]);
    const newOnly = await serverWith([NEW]);
    try {
      const me = await supertest(rotated.url).get('/me').set('Cookie', oldCookie).expect(200);
      const reSigned = sessionCookieOf(me)!.split(';')[0]!;
      expect(reSigned).not.toBe(oldCookie);
      // The old secret is dropped: the old cookie is anonymous, the re-signed one still works.
      await supertest(newOnly.url).get('/me').set('Cookie', oldCookie).expect(401);
      await supertest(newOnly.url).get('/me').set('Cookie', reSigned).expect(200);
    } finally {
      await rotated.close(100);
      await newOnly.close(100);
    }
  });
});

describe('session termination (ASVS 5.0 V7.2.4, V7.4.1)', () => {
  let h: Harness;
  let db: Database.Database;
  useHarness({ reset: 'nothing' }, (s) => ({ h, db } = s));

  it('when signing in, then the anonymous session is deleted, not just replaced in the cookie', async () => {
    const agent = h.client();
    const login = await agent.get('/login').set('Accept', 'application/json');
    const anonymous = sessionIdOf(sessionCookieOf(login)!);
    expect(sessionRow(db, anonymous)).toBeDefined();
    const res = await agent
      .post(`/gconnect?state=${(login.body as { state: string }).state}`)
      .type('text/plain')
      .send(h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }))
      .expect(200);
    expect(sessionIdOf(sessionCookieOf(res)!)).not.toBe(anonymous);
    expect(sessionRow(db, anonymous)).toBeUndefined();
  });

  for (const [route, status] of [
    ['/logout', 303],
    ['/gdisconnect', 200],
  ] as const) {
    it(`when ${route} is posted, then the server-side row is gone and the old cookie is anonymous`, async () => {
      const agent = h.client();
      const res = await signInOk(h, agent, ALICE);
      const cookie = sessionCookieOf(res)!.split(';')[0]!;
      const sid = sessionIdOf(cookie);
      expect(JSON.parse(sessionRow(db, sid)!.sess)).toHaveProperty('userId');
      await agent.post(route).expect(status);
      expect(sessionRow(db, sid)).toBeUndefined();
      // Replaying the old cookie: anonymous, and no row comes back for it.
      await supertest(h.url).get('/me').set('Cookie', cookie).expect(401);
      await supertest(h.url).post('/gdisconnect').set('Cookie', cookie).expect(401);
      expect(sessionRow(db, sid)).toBeUndefined();
    });
  }
});

describe('anonymous sessions stay bounded (DESIGN: expired rows pruned)', () => {
  let h: Harness;
  const scope = useHarness({ reset: 'nothing' }, (s) => (h = s.h));

  const liveRows = () => h.sessionCount();
  /** Rows left of these sessions, however old. */
  const rowsOf = (sids: string[]) =>
    (
      scope.db
        .prepare(`SELECT count(*) AS n FROM sessions WHERE sid IN (${sids.map(() => '?').join()})`)
        .get(...sids) as { n: number }
    ).n;

  it('when many clients view /login and never sign in, then their sessions live no longer than a state and prune() removes them', async () => {
    const before = liveRows();
    const views = await Promise.all(
      Array.from({ length: 40 }, () => supertest(h.url).get('/login').expect(200)),
    );
    expect(liveRows() - before).toBe(40);
    for (const res of views) {
      const expires = Date.parse(String(attributesOf(sessionCookieOf(res)!).expires));
      expect(expires - Date.now()).toBeLessThanOrEqual(STATE_TTL_MS);
    }
    const sids = views.map((res) => sessionIdOf(sessionCookieOf(res)!));
    const maxExpiry = (
      scope.db
        .prepare(
          `SELECT max(expires_at) AS m FROM sessions WHERE sid IN (${sids.map(() => '?').join()})`,
        )
        .get(...sids) as { m: number }
    ).m;
    expect(maxExpiry - Date.now()).toBeLessThanOrEqual(STATE_TTL_MS);

    scope.advanceClock(STATE_TTL_MS + 1000);
    // Expired rows are already invisible to reads, before any prune: the row is still there,
    // yet a request with its cookie is given a new session instead of the stale one.
    const stale = views[0]!;
    expect(rowsOf([sids[0]!])).toBe(1);
    const revisit = await supertest(h.url)
      .get('/login')
      .set('Cookie', sessionCookieOf(stale)!.split(';')[0]!)
      .expect(200);
    const revisitSid = sessionIdOf(sessionCookieOf(revisit)!);
    expect(revisitSid).not.toBe(sids[0]);
    expect(sids).not.toContain(revisitSid);
    expect(await h.sessionStore.prune()).toBeGreaterThanOrEqual(40);
    expect(rowsOf(sids)).toBe(0);
  });

  it('when anonymous clients view other pages, then no session row is written', async () => {
    const before = liveRows();
    await Promise.all(['/', '/me', '/healthz', '/nope'].map((path) => supertest(h.url).get(path)));
    expect(liveRows()).toBe(before);
  });

  it('a state survives as long as its session: a sign-in 9 minutes after /login works', async () => {
    const agent = h.client();
    const state = await getState(agent);
    scope.advanceClock(9 * 60_000);
    await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }))
      .expect(200);
  });
});
