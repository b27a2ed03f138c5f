/**
 * Hostile requests, after OWASP ASVS 5.0 V2.4 (anti-automation), V1/V2 (input handling: 4xx,
 * never a crash), RFC 9700 (OAuth 2.0 Security BCP) §2.1/§4.7 (state: single use, bound to the
 * user agent) and Google's hosted-domain advice for `hd`.
 */
import http from 'node:http';
import type Database from 'better-sqlite3';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/from-env.js';
import { ConfigError } from '../../src/config/resolve.js';
import { CLIENT } from '../support/client.js';
import { startHarness, type Harness, type Agent } from '../support/harness.js';
import { cookieFromJar, getState, sessionCookieOf, signIn } from '../support/sign-in.js';
import { snapshot } from '../support/database.js';
import { expectRefused, expectHarnessHealthy, errorLogs } from '../support/expectations.js';
import { useHarness } from '../support/use-harness.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.org';
const CAROL = 'carol@example.com'; // Workspace account of example.com (hd)
const DAVE = 'dave.unverified@example.net'; // email not verified
const TOO_MANY = 'Too many sign-in attempts; try again later.';
const NOT_ALLOWED = 'This Google account is not allowed to sign in.';

const code = (h: Harness, account = ALICE) =>
  h.emulator.issueCode({ account, clientId: CLIENT.clientId });

describe('rate limiting per client (ASVS 5.0 V2.4.1)', () => {
  let h: Harness;
  let offset = 0;
  beforeAll(async () => {
    h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' },
      now: () => Date.now() + offset,
    });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.emulator.resetCalls();
    offset += 61_000; // a fresh window for the next case
  });

  const from = (ip: string) => {
    const agent = h.client();
    return { agent, post: (path: string) => agent.post(path).set('X-Forwarded-For', ip) };
  };

  it('when a client passes RATE_LIMIT_PER_MINUTE attempts, then 429 with Retry-After before any Google call; a minute later it is let in', async () => {
    const { agent, post } = from('203.0.113.10');
    const state = await getState(agent);
    // Other browsers at the same address use up the budget (a failed attempt would also use up
    // this client's state).
    for (let i = 0; i < 3; i++) {
      await from('203.0.113.10').post('/gconnect?state=wrong').type('text/plain').send('x');
    }
    const c = code(h);
    const res = await post(`/gconnect?state=${state}`).type('text/plain').send(c);
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toBe(TOO_MANY);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(h.emulator.calls()).toHaveLength(0);
    // Refused before the session was read: the state is still unused and works next minute.
    offset += 61_000;
    await post(`/gconnect?state=${state}`).type('text/plain').send(c).expect(200);
  });

  it('when the redirect callback is hammered, then it shares the budget and answers 429 before any Google call', async () => {
    const { post } = from('203.0.113.11');
    await post('/gconnect?state=wrong').type('text/plain').send('x').expect(401);
    const callback = (q: string) =>
      from('203.0.113.11')
        .agent.get(`/auth/google/callback?${q}`)
        .set('X-Forwarded-For', '203.0.113.11');
    await callback('state=a&code=b').expect(401);
    await callback('state=a&code=b').expect(401);
    const res = await callback(`state=a&code=${code(h)}`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(h.emulator.calls()).toHaveLength(0);
  });

  it('when the credential endpoint is hammered, then it shares the budget and answers 429 before any Google call', async () => {
    const { post } = from('203.0.113.13');
    for (let i = 0; i < 3; i++) await post('/auth/google/credential').send({}).expect(401);
    const res = await post('/auth/google/credential').send({});
    expect(res.status).toBe(429);
    expect(h.emulator.calls()).toHaveLength(0);
  });

  it('when one client is over its budget, then other clients are not affected', async () => {
    const a = from('203.0.113.12');
    for (let i = 0; i < 4; i++) await a.post('/gconnect?state=wrong').type('text/plain').send('x');
    await a.post('/gconnect?state=wrong').type('text/plain').send('x').expect(429);
    const b = from('198.51.100.7');
    const res = await signIn(h, b.agent.set('X-Forwarded-For', '198.51.100.7'), BOB);
    expect(res.status).toBe(200);
  });

  it('when an IPv6 client changes addresses within its /64, then it still shares one budget', async () => {
    for (let i = 1; i <= 3; i++) {
      await from(`2001:db8:1:2::${i}`)
        .post('/gconnect?state=wrong')
        .type('text/plain')
        .send('x')
        .expect(401);
    }
    await from('2001:db8:1:2:ffff::9')
      .post('/gconnect?state=wrong')
      .type('text/plain')
      .send('x')
      .expect(429);
    await from('2001:db8:1:3::1')
      .post('/gconnect?state=wrong')
      .type('text/plain')
      .send('x')
      .expect(401);
  });

  it('when 40 people behind one address sign in within a minute, then all get in, and only failures count toward 429', async () => {
    const ip = '203.0.113.20';
    const statuses = [];
    for (let i = 0; i < 40; i++) {
      const { agent } = from(ip);
      statuses.push((await signIn(h, agent.set('X-Forwarded-For', ip), BOB)).status);
    }
    expect(statuses).toEqual(Array<number>(40).fill(200));
    for (let i = 0; i < 3; i++) {
      await from(ip).post('/gconnect?state=wrong').type('text/plain').send('x').expect(401);
    }
    await from(ip).post('/gconnect?state=wrong').type('text/plain').send('x').expect(429);
  });

  it('when RATE_LIMIT_PER_MINUTE is unset, then it is 30; when it is not a whole number, then startup names it', () => {
    const base = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    expect(loadConfig(base).rateLimitPerMinute).toBe(30);
    expect(() => loadConfig({ ...base, RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(
      /RATE_LIMIT_PER_MINUTE/,
    );
  });
});

describe('which refusals count toward the rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'loopback', ALLOWED_EMAILS: BOB },
    });
  });
  afterAll(() => h.close());

  it('when a refused code and a not-allowed account used up the budget, then the next attempt, even a good one, gets 429 before any Google call', async () => {
    const ip = '203.0.113.90';
    const agent = () => h.client().set('X-Forwarded-For', ip);
    const refusedCode = agent();
    const state = await getState(refusedCode);
    await refusedCode
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send('not-a-code')
      .expect(401, '"Failed to upgrade the authorization code."');
    const res = await signIn(h, agent(), ALICE);
    expect(res.status).toBe(403);
    h.emulator.resetCalls();
    const good = await signIn(h, agent(), BOB);
    expect(good.status).toBe(429);
    expect(h.emulator.calls()).toHaveLength(0);
  });
});

describe('rate limiting without a trusted proxy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => h.close());

  it('when a client forges a new X-Forwarded-For on each attempt, then it is still limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h
        .client()
        .post('/gconnect?state=wrong')
        .set('X-Forwarded-For', `192.0.2.${i}`)
        .type('text/plain')
        .send('x');
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('state and parameter pollution (RFC 9700 §4.7; DESIGN: 401, never 500)', () => {
  let h: Harness;
  let db: Database.Database;
  useHarness({}, (s) => ({ h, db } = s));

  it('when the real state is sent twice (?state=S&state=S), then 401, no Google call, and the state is used up', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const before = snapshot(db);
    const res = await agent
      .post(`/gconnect?state=${state}&state=${state}`)
      .type('text/plain')
      .send(code(h));
    await expectRefused(
      res,
      { status: 401, message: 'Invalid state parameter.' },
      agent,
      db,
      before,
    );
    await agent.post(`/gconnect?state=${state}`).type('text/plain').send(code(h)).expect(401);
    expect(h.emulator.calls()).toHaveLength(0);
  });

  for (const query of [
    'state=a&state=b',
    'state=',
    'state[x]=1',
    'state[]=x',
    'state[__proto__][x]=1',
    'state[length]=43',
    'state=%00',
    'state=%ff%fe',
    'STATE=x',
  ]) {
    it(`when the query is ?${query}, then 401 and no Google call`, async () => {
      const agent = h.client();
      await getState(agent);
      const res = await agent.post(`/gconnect?${query}`).type('text/plain').send(code(h));
      expect(res.status).toBe(401);
      expect(res.body).toBe('Invalid state parameter.');
      expect(h.emulator.calls()).toHaveLength(0);
    });
  }

  for (const [name, type, body] of [
    ['a JSON array code', 'application/json', '{"code": ["a", "b"]}'],
    ['a JSON object code', 'application/json', '{"code": {"$ne": ""}}'],
    ['a JSON __proto__ code', 'application/json', '{"__proto__": {"code": "x"}}'],
    ['a JSON array body', 'application/json', '["code"]'],
    ['a repeated form code', 'application/x-www-form-urlencoded', 'code=a&code=b'],
    ['a nested form code', 'application/x-www-form-urlencoded', 'code[x]=a'],
  ] as const) {
    it(`when the body holds ${name}, then 400 and no Google call`, async () => {
      const agent = h.client();
      const state = await getState(agent);
      const res = await agent.post(`/gconnect?state=${state}`).set('Content-Type', type).send(body);
      expect(res.status).toBe(400);
      expect(h.emulator.calls()).toHaveLength(0);
    });
  }

  it('when the callback gets repeated state or code parameters, then a 4xx and no Google call', async () => {
    const agent = h.client();
    const start = await agent.get('/auth/google').expect(302);
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const res = await agent.get(`/auth/google/callback?state=${state}&state=${state}&code=a`);
    expect(res.status).toBe(401);
    const again = await agent.get('/auth/google').expect(302);
    const s2 = new URL(String(again.headers.location)).searchParams.get('state')!;
    const res2 = await agent.get(`/auth/google/callback?state=${s2}&code=a&code=b`);
    expect(res2.status).toBeGreaterThanOrEqual(400);
    expect(res2.status).toBeLessThan(500);
    expect(h.emulator.calls()).toHaveLength(0);
  });

  it('when two session cookies are sent, then the first one counts and neither is an error', async () => {
    const agent = h.client();
    const res = await signIn(h, agent, ALICE);
    const cookie = sessionCookieOf(res)!.split(';')[0]!;
    await supertest(h.url).get('/me').set('Cookie', `${cookie}; sid=s%3Aforged.sig`).expect(200);
    await supertest(h.url)
      .get('/me')
      .set('Cookie', `sid=s%3Aforged.sig; ${cookie}`)
      .expect(401, { error: 'Not signed in.' });
  });

  it('when ten posts race with one state, then exactly one reaches Google and signs in', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        agent.post(`/gconnect?state=${state}`).type('text/plain').send(code(h, BOB)),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array<number>(9).fill(401)]);
    expect(h.emulator.calls('token')).toHaveLength(1);
    await agent.get('/me').expect(200);
  });

  it('when two posts race with one state from two copies of the cookie, then exactly one reaches Google', async () => {
    const login = await supertest(h.url).get('/login').set('Accept', 'application/json');
    const cookie = sessionCookieOf(login)!.split(';')[0]!;
    const state = (login.body as { state: string }).state;
    const post = () =>
      supertest(h.url)
        .post(`/gconnect?state=${state}`)
        .set('Cookie', cookie)
        .type('text/plain')
        .send(code(h, BOB));
    const results = await Promise.all([post(), post()]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(h.emulator.calls('token')).toHaveLength(1);
  });
});

describe('allowed accounts: ALLOWED_DOMAINS / ALLOWED_EMAILS', () => {
  let h: Harness;
  let db: Database.Database;
  useHarness(
    {
      env: { ALLOWED_DOMAINS: 'Example.COM', ALLOWED_EMAILS: ` ${BOB.toUpperCase()} , ${DAVE}` },
      reset: 'faults',
    },
    (s) => ({ h, db } = s),
  );

  async function expectNotAllowed(account: string) {
    const agent: Agent = h.client();
    const before = snapshot(db);
    const res = await signIn(h, agent, account);
    await expectRefused(res, { status: 403, message: NOT_ALLOWED }, agent, db, before);
  }

  it('when the ID token says hd is an allowed domain, then the Workspace account signs in', async () => {
    const res = await signIn(h, h.client(), CAROL);
    expect(res.status, res.text).toBe(200);
  });

  it('when the address is listed (in any case), then it signs in', async () => {
    const res = await signIn(h, h.client(), BOB);
    expect(res.status, res.text).toBe(200);
  });

  it('when only the email ends with an allowed domain (no hd: a consumer account), then 403 and no user', async () => {
    await expectNotAllowed(ALICE);
  });

  it('when a listed address is not verified by Google, then 403 and no user', async () => {
    await expectNotAllowed(DAVE);
  });

  it('when the domain is allowed but Google says the email is not verified, then 403', async () => {
    h.emulator.inject('token', { kind: 'idToken', claims: { email_verified: false } });
    h.emulator.inject('userinfo', { kind: 'claims', claims: { email_verified: false } });
    const agent = h.client();
    const before = snapshot(db);
    // Carol signed in before, so her row exists; the refusal must not touch it or the session.
    const res = await signIn(h, agent, CAROL);
    await expectRefused(res, { status: 403, message: NOT_ALLOWED }, agent, db, before);
  });

  it('when the redirect flow brings a not-allowed account back, then it is refused too', async () => {
    const agent = h.client();
    const start = await agent.get('/auth/google').expect(302);
    const auth = new URL(String(start.headers.location));
    const q = auth.searchParams;
    const c = h.emulator.issueCode({
      account: ALICE,
      clientId: CLIENT.clientId,
      redirectUri: q.get('redirect_uri')!,
      nonce: q.get('nonce')!,
      codeChallenge: q.get('code_challenge')!,
      codeChallengeMethod: 'S256',
    });
    const before = snapshot(db);
    const res = await agent.get(`/auth/google/callback?state=${q.get('state')}&code=${c}`);
    expect(res.status).toBe(403);
    expect(res.text).toContain(NOT_ALLOWED);
    expect(snapshot(db)).toEqual(before);
    await agent.get('/me').expect(401);
  });

  it('when an entry does not look like a domain or an address, then startup names it', () => {
    const base = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    let error: unknown;
    try {
      loadConfig({
        ...base,
        ALLOWED_DOMAINS: 'example.com,@example.org',
        ALLOWED_EMAILS: 'nobody',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'ALLOWED_DOMAINS: "@example.org" is not a domain like example.com.',
      'ALLOWED_EMAILS: "nobody" is not an address like a@example.com.',
    ]);
  });
});

describe('malformed input everywhere: a 4xx, never a 500, and the process stays up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  afterEach(async () => {
    await expectHarnessHealthy(h);
    expect(errorLogs(h.logs)).toEqual([]);
  });

  /** A raw request, for what supertest would refuse to send. */
  function raw(path: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(h.url);
      const req = http.request(
        { host: url.hostname, port: url.port, path, method, headers },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const expect4xx = (status: number) => {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  };

  it('when the headers are larger than Node accepts (16 KiB), then 431', async () => {
    const res = await raw('/me', { Cookie: `sid=${'a'.repeat(20_000)}` });
    expect(res.status).toBe(431);
  });

  for (const cookie of [
    'sid=%',
    'sid=%E0%A4%A',
    'sid=s:',
    'sid=s%3Aabc.def',
    'sid=s%3A.',
    `sid=s%3A${'A'.repeat(8000)}.sig`,
    '__Host-sid=x; sid=',
    '__proto__=x; constructor=y; sid=s%3AtoString.x',
    Array.from({ length: 300 }, (_, i) => `c${i}=${i}`).join('; '),
    'sid=\u00ff\u00fe',
  ]) {
    it(`when the cookie is ${JSON.stringify(cookie.slice(0, 40))}…, then pages answer as for an anonymous client`, async () => {
      const me = await raw('/me', { Cookie: cookie });
      expect(me.status).toBe(401);
      expect((await raw('/login', { Cookie: cookie })).status).toBe(200);
      const post = await raw(
        '/gconnect?state=x',
        { Cookie: cookie, 'Content-Type': 'text/plain' },
        'POST',
        Buffer.from('c'),
      );
      expect(post.status).toBe(401);
    });
  }

  for (const [name, type, bytes] of [
    ['raw bytes that are not UTF-8', 'application/octet-stream', Buffer.from([0xff, 0xfe, 0xfd])],
    ['text that is not UTF-8', 'text/plain; charset=utf-8', Buffer.from([0xc3, 0x28, 0xa0, 0xa1])],
    [
      'JSON with invalid UTF-8 in the code',
      'application/json',
      Buffer.concat([Buffer.from('{"code":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    ],
    [
      'a form whose code decodes to non-ASCII',
      'application/x-www-form-urlencoded',
      Buffer.from('code=4%2Fab%C3%A9'),
    ],
    ['truncated JSON', 'application/json', Buffer.from('{"code": "4/abc')],
    ['a control character in the code', 'text/plain', Buffer.from('4/abc\u0000def')],
    ['a code with a space inside', 'text/plain', Buffer.from('4/abc def')],
  ] as const) {
    it(`when the body is ${name}, then 400 and no Google call`, async () => {
      const login = await supertest(h.url).get('/login').set('Accept', 'application/json');
      const cookie = sessionCookieOf(login)!.split(';')[0]!;
      const state = (login.body as { state: string }).state;
      h.emulator.resetCalls();
      const res = await raw(
        `/gconnect?state=${state}`,
        { Cookie: cookie, 'Content-Type': type },
        'POST',
        bytes,
      );
      expect(res.status).toBe(400);
      expect(h.emulator.calls()).toHaveLength(0);
    });
  }

  for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'image/png']) {
    it(`when the content type is "${type}", then 415 before the state is touched or Google is asked`, async () => {
      const agent = h.client();
      const state = await getState(agent);
      const code = h.emulator.issueCode({
        account: 'alice@example.com',
        clientId: CLIENT.clientId,
      });
      h.emulator.resetCalls();
      const res = await agent
        .post(`/gconnect?state=${state}`)
        .set('Content-Type', type)
        .send(Buffer.from(`code=${code}`));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 415,
        body: 'Unsupported content type.',
      });
      expect(h.emulator.calls()).toHaveLength(0);
      // Nothing was consumed: the same state and code still sign in.
      await agent
        .post(`/gconnect?state=${state}`)
        .type('application/x-www-form-urlencoded')
        .send(`code=${code}`)
        .expect(200);
    });
  }

  // Each with the session that holds the state, so the answer is the body's, not the state's.
  for (const [type, status, body] of [
    // JSON in UTF-16 is decoded as such: 'code=x' read as UTF-16 is not JSON.
    ['application/json; charset=utf-16', 400, 'Malformed request body.'],
    // A raw body is bytes, its charset unread: the code reaches Google, which refuses it.
    ['text/plain; charset=klingon', 401, 'Failed to upgrade the authorization code.'],
    [';;;=', 415, 'Unsupported content type.'],
    ['application/x-www-form-urlencoded; charset=ucs-4', 415, 'Unsupported body encoding.'],
  ] as const) {
    it(`when the content type is "${type}", then ${status} "${body}"`, async () => {
      const agent = h.client();
      const state = await getState(agent);
      h.emulator.resetCalls();
      const res = await raw(
        `/gconnect?state=${state}`,
        { Cookie: await cookieFromJar(agent), 'Content-Type': type, Accept: 'application/json' },
        'POST',
        Buffer.from('code=x'),
      );
      expect({ status: res.status, body: JSON.parse(res.body) as unknown }).toEqual({
        status,
        body,
      });
      // Refused while reading the body, Google is not asked; the raw code is tried once.
      expect(h.emulator.calls('token')).toHaveLength(status === 401 ? 1 : 0);
    });
  }

  it('when a form code holds escapes that are not UTF-8, then a 4xx (Google refuses the junk code)', async () => {
    const login = await supertest(h.url).get('/login').set('Accept', 'application/json');
    const cookie = sessionCookieOf(login)!.split(';')[0]!;
    const state = (login.body as { state: string }).state;
    const res = await raw(
      `/gconnect?state=${state}`,
      { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      'POST',
      Buffer.from('code=%ff%fe'),
    );
    expect4xx(res.status);
  });

  it('when the body claims gzip but is garbage, then a 4xx', async () => {
    const res = await raw(
      '/gconnect?state=x',
      { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' },
      'POST',
      Buffer.from('not gzip at all'),
    );
    expect4xx(res.status);
  });

  for (const path of [
    '/%',
    '/%zz',
    '/me%ff',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/login/%c0%af',
    '/gconnect%00',
    '/auth/google/callback?code=%ff&state=%zz',
    '/auth/google?returnTo=%ff%fe',
    '/auth/google?returnTo[]=/x',
    '/login?%=%',
  ]) {
    it(`when the URL is ${path}, then no 5xx`, async () => {
      const res = await raw(path);
      expect(res.status).toBeLessThan(500);
    });
  }

  it('when the request line is not HTTP, then 400 from Node and the server keeps serving', async () => {
    const { createConnection } = await import('node:net');
    const url = new URL(h.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = createConnection({ host: url.hostname, port: Number(url.port) }, () =>
        socket.write('GARBAGE /\u0001 HTTP/9.9\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
  });
});
