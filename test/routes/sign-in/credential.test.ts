import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../../support/client.js';
import { snapshot } from '../../support/database.js';
import { expectRefused } from '../../support/expectations.js';
import type { Agent, Harness } from '../../support/harness.js';
import { sessionCookieOf } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

/**
 * POST /auth/google/credential: the Google button's and One Tap's ID token, in Google's two
 * delivery modes, against the emulator's credentials and faults.
 */
const PATH = '/auth/google/credential';
const ALICE = 'alice@example.com';
const INVALID_ID_TOKEN = 'Invalid ID token.';
const CROSS_SITE = 'Cross-site request refused.';

let h: Harness;
let db: Database.Database;
const scope = useHarness({}, (s) => ({ h, db } = s));

/** GET /login as JSON: the page's state (kept in this agent's session) and a nonce. */
async function loginTokens(agent: Agent): Promise<{ state: string; nonce: string }> {
  const res = await agent.get('/login').set('Accept', 'application/json').expect(200);
  return res.body as { state: string; nonce: string };
}

/**
 * The nonce binding cookie of the browser the redirect-mode tests sign in from. GET /login keeps
 * a well-formed one the browser already has, so this browser's nonces are bound to it.
 */
const BROWSER_A = `nonce-bind=${'A'.repeat(43)}`;

/** A nonce from /login for `browser` (its binding cookie; no session is needed). */
async function freshNonce(browser = BROWSER_A): Promise<string> {
  const res = await supertest(h.url)
    .get('/login')
    .set('Accept', 'application/json')
    .set('Cookie', browser)
    .expect(200);
  return (res.body as { nonce: string }).nonce;
}

/** The `nonce-bind` cookie a response set, as a Cookie header pair, if any. */
function bindingCookieOf(res: supertest.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('nonce-bind='))?.split(';')[0];
}

function credential(nonce: string | undefined, account = ALICE): Promise<string> {
  return h.emulator.issueCredential({ account, clientId: CLIENT.clientId, nonce });
}

/**
 * Redirect mode as Google does it: a form POSTed from Google's origin (cross-site), with the
 * g_csrf_token field and the cookie Google's script set on our origin — and no session cookie.
 */
function postForm(
  fields: Record<string, string>,
  options: { cookie?: string; query?: string } = {},
): supertest.Test {
  const req = supertest(h.url)
    .post(`${PATH}${options.query ?? ''}`)
    .type('form')
    .set('Origin', h.emulator.url)
    .set('Sec-Fetch-Site', 'cross-site')
    .set('Accept', 'text/html');
  if (options.cookie !== undefined) req.set('Cookie', options.cookie);
  return req.send(fields);
}

/** Redirect mode from `browser` ('' for none): its binding cookie beside Google's g_csrf_token. */
async function postRedirectMode(
  cred: string,
  query = '',
  browser = BROWSER_A,
): Promise<supertest.Response> {
  return postForm(
    { credential: cred, g_csrf_token: 'csrf-1', select_by: 'btn' },
    { cookie: ['g_csrf_token=csrf-1', browser].filter(Boolean).join('; '), query },
  );
}

/** Callback mode: our page posts the credential as JSON with its state. */
async function postCallbackMode(
  agent: Agent,
  cred: (nonce: string) => Promise<string>,
): Promise<supertest.Response> {
  const { state, nonce } = await loginTokens(agent);
  return agent
    .post(`${PATH}?state=${encodeURIComponent(state)}`)
    .set('Accept', 'application/json')
    .send({ credential: await cred(nonce), select_by: 'user_1tap' });
}

/** GET /me with only the session cookie a response set. */
function meWith(cookie: string | undefined): supertest.Test {
  return supertest(h.url)
    .get('/me')
    .set('Cookie', (cookie ?? '').split(';')[0] ?? '');
}

function storedSignInMethod(): unknown[] {
  return (db.prepare('SELECT sess FROM sessions').all() as { sess: string }[])
    .map((row) => (JSON.parse(row.sess) as { signInMethod?: unknown }).signInMethod)
    .filter((m) => m !== undefined);
}

/** A refusal: status and message, no user, nobody signed in, and no session row written. */
function expectRefusal(res: supertest.Response, status: number, message: string): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: message });
}

describe('POST /auth/google/credential, redirect mode (Google posts the form to login_uri)', () => {
  it('when cookie and field match and the credential is good, then 303 to / and a new signed-in session', async () => {
    const res = await postRedirectMode(await credential(await freshNonce()));
    expect(res.status, res.text).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['cache-control']).toBe('no-store');
    const me = await meWith(sessionCookieOf(res)).expect(200);
    expect((me.body as { email: string }).email).toBe(ALICE);
    expect(storedSignInMethod()).toContainEqual({
      method: 'credential',
      mode: 'redirect',
      selectBy: 'btn',
    });
  });

  it('when login_uri carries returnTo, then it lands there; a foreign returnTo lands on /', async () => {
    const there = await postRedirectMode(await credential(await freshNonce()), '?returnTo=/me');
    expect(there.headers.location).toBe('/me');
    const evil = await postRedirectMode(
      await credential(await freshNonce()),
      '?returnTo=//evil.example',
    );
    expect(evil.headers.location).toBe('/');
  });

  const csrfCases: [string, Record<string, string>, string | undefined][] = [
    ['the cookie is missing', { g_csrf_token: 'a' }, undefined],
    ['the field is missing', {}, 'g_csrf_token=a'],
    ['cookie and field differ', { g_csrf_token: 'b' }, 'g_csrf_token=a'],
    ['the field is empty', { g_csrf_token: '' }, 'g_csrf_token='],
    ['the cookie is sent twice', { g_csrf_token: 'a' }, 'g_csrf_token=a; g_csrf_token=b'],
  ];
  for (const [when, fields, cookie] of csrfCases) {
    it(`when ${when}, then 403 and nothing is stored`, async () => {
      const cred = await credential(await freshNonce());
      const before = { ...snapshot(db), sessions: h.sessionCount() };
      const res = await postForm({ credential: cred, ...fields }, { cookie });
      expect(res.status).toBe(403);
      expect({ ...snapshot(db), sessions: h.sessionCount() }).toEqual(before);
      // The credential was not used up by the refused request.
      expect((await postRedirectMode(cred)).status).toBe(303);
    });
  }

  it('when a cross-site request posts JSON instead of the form, then the cross-site rule refuses it (403)', async () => {
    const res = await supertest(h.url)
      .post(PATH)
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Cookie', 'g_csrf_token=a')
      .send({ credential: await credential(await freshNonce()), g_csrf_token: 'a' });
    expectRefusal(res, 403, CROSS_SITE);
  });

  /** Redirect mode as JSON, as the FedCM button may post it: same-origin, no session. */
  function postJson(fields: Record<string, string>, cookie: string | undefined): supertest.Test {
    const req = supertest(h.url)
      .post(PATH)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Accept', 'application/json')
      .type('json');
    if (cookie !== undefined) req.set('Cookie', cookie);
    return req.send(fields);
  }

  it('when it comes as JSON {credential, g_csrf_token} with the matching cookie, then 303 and signed in', async () => {
    const cred = await credential(await freshNonce());
    const res = await postJson(
      { credential: cred, g_csrf_token: 'csrf-1' },
      `g_csrf_token=csrf-1; ${BROWSER_A}`,
    );
    expect(res.status, res.text).toBe(303);
    expect(res.headers.location).toBe('/');
    const me = await meWith(sessionCookieOf(res)).expect(200);
    expect((me.body as { email: string }).email).toBe(ALICE);
  });

  for (const [when, cookie] of [
    ['without the g_csrf_token cookie', BROWSER_A],
    ['with a g_csrf_token cookie that differs', `g_csrf_token=other; ${BROWSER_A}`],
  ] as const) {
    it(`when it comes as JSON ${when}, then 403 with the form's message and nothing is stored`, async () => {
      const cred = await credential(await freshNonce());
      const before = { ...snapshot(db), sessions: h.sessionCount() };
      const res = await postJson({ credential: cred, g_csrf_token: 'csrf-1' }, cookie);
      expectRefusal(res, 403, CROSS_SITE);
      expect({ ...snapshot(db), sessions: h.sessionCount() }).toEqual(before);
      expect((await postRedirectMode(cred)).status).toBe(303);
    });
  }

  it('when the same credential is posted twice, then the second is 401 and signs nobody in', async () => {
    const cred = await credential(await freshNonce());
    expect((await postRedirectMode(cred)).status).toBe(303);
    const before = snapshot(db);
    const again = await postRedirectMode(cred);
    expect(again.status).toBe(401);
    expect(again.text).toContain(INVALID_ID_TOKEN);
    expect(sessionCookieOf(again)).toBeUndefined();
    expect(snapshot(db)).toEqual(before);
  });
});

describe('POST /auth/google/credential, callback mode (our page posts JSON with its state)', () => {
  it('when state and credential are good, then 200 with the greeting and the session records the mode', async () => {
    const agent = h.client();
    const res = await postCallbackMode(agent, (nonce) => credential(nonce));
    expect(res.status, res.text).toBe(200);
    expect(res.text).toMatch(/<h1>Welcome( back)?, Alice Example!<\/h1>/);
    await agent.get('/me').expect(200);
    expect(storedSignInMethod()).toContainEqual({
      method: 'credential',
      mode: 'callback',
      selectBy: 'user_1tap',
    });
  });

  it('when the same account signs in again in this session, then "already connected"', async () => {
    const agent = h.client();
    expect((await postCallbackMode(agent, (n) => credential(n))).status).toBe(200);
    const again = await postCallbackMode(agent, (n) => credential(n));
    expect(again.body).toBe('Current user is already connected.');
  });

  it('when the state is missing or of another session, then 401 "Invalid state parameter." and the certs are not fetched', async () => {
    const agent = h.client();
    const before = snapshot(db);
    const { state } = await loginTokens(h.client());
    for (const query of ['', `?state=${state}`]) {
      const res = await agent
        .post(`${PATH}${query}`)
        .send({ credential: await credential(await freshNonce()) });
      await expectRefused(
        res,
        { status: 401, message: 'Invalid state parameter.' },
        agent,
        db,
        before,
      );
    }
    expect(h.emulator.calls('certs')).toEqual([]);
  });

  it('when a cross-site page posts it, then 403', async () => {
    const agent = h.client();
    const { state, nonce } = await loginTokens(agent);
    const res = await agent
      .post(`${PATH}?state=${state}`)
      .set('Origin', 'https://evil.example')
      .send({ credential: await credential(nonce) });
    expectRefusal(res, 403, CROSS_SITE);
  });

  it('when signed in by credential, then /gdisconnect ends the session with nothing to revoke at Google', async () => {
    const agent = h.client();
    expect((await postCallbackMode(agent, (n) => credential(n))).status).toBe(200);
    await agent.post('/gdisconnect').expect(200, '"Successfully disconnected."');
    expect(h.emulator.calls('revoke')).toEqual([]);
    await agent.get('/me').expect(401);
  });
});

describe('POST /auth/google/credential: each verification failure is 401 "Invalid ID token." and writes nothing', () => {
  async function expectInvalid(cred: (nonce: string) => Promise<string>) {
    const agent = h.client();
    const before = snapshot(db);
    const res = await postCallbackMode(agent, cred);
    await expectRefused(res, { status: 401, message: INVALID_ID_TOKEN }, agent, db, before);
  }

  function withFault(fault: Parameters<Harness['emulator']['inject']>[1]) {
    return (nonce: string) => {
      h.emulator.inject('gsi', fault);
      return credential(nonce);
    };
  }

  const nowS = () => Math.floor(Date.now() / 1000);
  const claimFaults: [string, Record<string, unknown>][] = [
    ['the audience is another client', { aud: 'other-client.apps.googleusercontent.com' }],
    ['azp is another client', { azp: 'other-client.apps.googleusercontent.com' }],
    ['the issuer is not Google', { iss: 'https://evil.example' }],
    ['it expired', { iat: nowS() - 7200, exp: nowS() - 3600 }],
    ['it is not valid yet (nbf)', { nbf: nowS() + 3600 }],
    ['it has no nonce', { nonce: null }],
    ['its nonce is not one we issued', { nonce: 'made-up-nonce' }],
    ['it has no sub', { sub: null }],
  ];
  for (const [when, claims] of claimFaults) {
    it(`when ${when}, then 401`, async () => {
      await expectInvalid(withFault({ kind: 'idToken', claims }));
    });
  }

  it('when it is signed by an unknown key, then 401', async () => {
    await expectInvalid(withFault({ kind: 'idToken', sign: 'unknown-key' }));
  });

  it('when it is unsigned (alg none) or its signature is altered, then 401', async () => {
    await expectInvalid(withFault({ kind: 'idToken', sign: 'none' }));
    await expectInvalid(withFault({ kind: 'idToken', sign: 'flip-signature' }));
  });

  it('when the nonce is shaped like ours but keyed with another secret, then 401', async () => {
    const body = `${'A'.repeat(22)}.${Date.now() + 60_000}`;
    const tag = createHmac('sha256', 'another key').update(body).digest('base64url');
    await expectInvalid(() => credential(`${body}.${tag}`));
  });

  it('when the nonce is older than 10 minutes, then 401 (redirect mode: no state to expire with it)', async () => {
    const cred = await credential(await freshNonce());
    scope.advanceClock(10 * 60_000 + 1);
    const before = { ...snapshot(db), sessions: h.sessionCount() };
    const res = await postRedirectMode(cred);
    expect(res.status).toBe(401);
    expect(res.text).toContain(INVALID_ID_TOKEN);
    expect({ ...snapshot(db), sessions: h.sessionCount() }).toEqual(before);
  });

  it('when a second credential carries an already used nonce (same browser), then 401', async () => {
    const nonce = await freshNonce();
    expect((await postRedirectMode(await credential(nonce))).status).toBe(303);
    const before = { ...snapshot(db), sessions: h.sessionCount() };
    const again = await postRedirectMode(await credential(nonce));
    expect(again.status).toBe(401);
    expect(again.text).toContain(INVALID_ID_TOKEN);
    expect({ ...snapshot(db), sessions: h.sessionCount() }).toEqual(before);
  });

  it('when a credential reuses a jti (with a fresh nonce), then 401', async () => {
    h.emulator.inject('gsi', { kind: 'idToken', claims: { jti: 'same-jti' } });
    expect((await postRedirectMode(await credential(await freshNonce()))).status).toBe(303);
    await expectInvalid(withFault({ kind: 'idToken', claims: { jti: 'same-jti' } }));
  });

  it('when the credential is missing, garbage or over-long, then 401', async () => {
    for (const cred of ['', 'not-a-jwt', 'a.b.c', 'x'.repeat(3001)])
      await expectInvalid(() => Promise.resolve(cred));
  });
});

describe('POST /auth/google/credential: the nonce signs in only in the browser that asked for it', () => {
  /** A browser that keeps nothing but the binding cookie its own GET /login set. */
  async function newBrowser(): Promise<{ cookie: string; nonce: string }> {
    const res = await supertest(h.url).get('/login').set('Accept', 'application/json').expect(200);
    const cookie = bindingCookieOf(res);
    expect(cookie).toMatch(/^nonce-bind=[\w-]{43}$/);
    return { cookie: cookie!, nonce: (res.body as { nonce: string }).nonce };
  }

  it("when a credential for browser A's nonce is posted from browser B (redirect mode), then 401 and nothing stored; from A it signs in", async () => {
    const a = await newBrowser();
    const b = await newBrowser();
    expect(b.cookie).not.toBe(a.cookie);
    const cred = await credential(a.nonce);
    const before = { ...snapshot(db), sessions: h.sessionCount() };
    const fromB = await postRedirectMode(cred, '', b.cookie);
    expect(fromB.status).toBe(401);
    expect(fromB.text).toContain(INVALID_ID_TOKEN);
    expect(sessionCookieOf(fromB)).toBeUndefined();
    expect({ ...snapshot(db), sessions: h.sessionCount() }).toEqual(before);
    // B's attempt used nothing up: the same credential still signs in where it was asked for.
    const fromA = await postRedirectMode(cred, '', a.cookie);
    expect(fromA.status, fromA.text).toBe(303);
    const me = await meWith(sessionCookieOf(fromA)).expect(200);
    expect((me.body as { email: string }).email).toBe(ALICE);
  });

  it('when the redirect-mode post carries no binding cookie, then 401', async () => {
    const res = await postRedirectMode(await credential(await freshNonce()), '', '');
    expect(res.status).toBe(401);
    expect(res.text).toContain(INVALID_ID_TOKEN);
  });

  it("when browser B posts A's credential with its own state (callback mode), then 401; A's own post signs in", async () => {
    const agentA = h.client();
    const agentB = h.client();
    const a = await loginTokens(agentA);
    const b = await loginTokens(agentB);
    const cred = await credential(a.nonce);
    const before = snapshot(db);
    const fromB = await agentB
      .post(`${PATH}?state=${encodeURIComponent(b.state)}`)
      .set('Accept', 'application/json')
      .send({ credential: cred });
    await expectRefused(fromB, { status: 401, message: INVALID_ID_TOKEN }, agentB, db, before);
    await agentA
      .post(`${PATH}?state=${encodeURIComponent(a.state)}`)
      .set('Accept', 'application/json')
      .send({ credential: cred })
      .expect(200);
    await agentA.get('/me').expect(200);
  });

  it('when /login is viewed, then the binding cookie is HttpOnly, SameSite=Lax, Path=/ (out of production), set once and kept', async () => {
    const first = await supertest(h.url).get('/login').expect(200);
    const setCookie = ([] as string[])
      .concat(first.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('nonce-bind='))!;
    expect(setCookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax']);
    const again = await supertest(h.url)
      .get('/login')
      .set('Cookie', bindingCookieOf(first)!)
      .expect(200);
    expect(bindingCookieOf(again)).toBeUndefined();
  });

  it('when the browser sends a binding cookie that is not one of ours, then /login replaces it', async () => {
    const res = await supertest(h.url)
      .get('/login')
      .set('Accept', 'application/json')
      .set('Cookie', 'nonce-bind=short')
      .expect(200);
    expect(bindingCookieOf(res)).toMatch(/^nonce-bind=[\w-]{43}$/);
  });
});

describe('allowed accounts apply to the credential flow too', () => {
  let hh: Harness;
  let hdb: Database.Database;
  useHarness(
    { env: { ALLOWED_DOMAINS: 'example.com', ALLOWED_EMAILS: 'dave.unverified@example.net' } },
    (s) => ({ h: hh, db: hdb } = s),
  );

  async function attempt(account: string, fault?: Record<string, unknown>) {
    const agent = hh.client();
    const { state, nonce } = await loginTokens(agent);
    if (fault) hh.emulator.inject('gsi', { kind: 'idToken', claims: fault });
    const cred = await hh.emulator.issueCredential({ account, clientId: CLIENT.clientId, nonce });
    return { agent, res: await agent.post(`${PATH}?state=${state}`).send({ credential: cred }) };
  }

  it('when the Workspace domain (hd) is allowed, then it signs in', async () => {
    expect((await attempt('carol@example.com')).res.status).toBe(200);
  });

  for (const [when, account, fault] of [
    ['the email only ends with the allowed domain (no hd)', ALICE, undefined],
    ['a listed address is not verified by Google', 'dave.unverified@example.net', undefined],
    [
      'the domain is allowed but the email is not verified',
      'carol@example.com',
      { email_verified: false },
    ],
  ] as const) {
    it(`when ${when}, then 403 and nothing stored`, async () => {
      const before = snapshot(hdb);
      const { agent, res } = await attempt(account, fault);
      await expectRefused(
        res,
        { status: 403, message: 'This Google account is not allowed to sign in.' },
        agent,
        hdb,
        before,
      );
    });
  }
});

describe('GET /login: the nonce for the button and One Tap', () => {
  it('when asked as JSON, then {state, nonce}, both fresh per view', async () => {
    const agent = h.client();
    const first = await loginTokens(agent);
    const second = await loginTokens(agent);
    expect(Object.keys(first).sort()).toEqual(['nonce', 'state']);
    expect(first.nonce).toMatch(/^[\w-]{22}\.\d+\.[\w-]{43}$/);
    expect(second.nonce).not.toBe(first.nonce);
  });

  it('when shown as a page, then data-nonce sits beside data-state, One Tap off by default', async () => {
    const page = (await h.client().get('/login').expect(200)).text;
    expect(page).toMatch(/data-state="[\w-]{43}" data-nonce="[\w-]{22}\.\d+\.[\w-]{43}"/);
    expect(page).toContain('data-one-tap="off"');
    expect(page).toContain('data-auto-select="off"');
    expect(page).toContain('data-gsi-ux-mode="popup"');
    expect(page).toContain(`data-login-uri="${PATH}"`);
    expect(page).toContain('src="/gsi-sign-in.js"');
  });

  it('when asked with returnTo, then login_uri carries it on', async () => {
    const page = (await h.client().get('/login?returnTo=/me').expect(200)).text;
    expect(page).toContain(`data-login-uri="${PATH}?returnTo=%2Fme"`);
  });

  it('when the page is served, then no Permissions-Policy blocks FedCM and COOP allows popups', async () => {
    const res = await h.client().get('/login').expect(200);
    expect(String(res.headers['permissions-policy'] ?? '')).not.toMatch(
      /identity-credentials-get=\(\)/,
    );
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    // The emulator stands in for Google: its GSI paths, as Google's CSP guide names them.
    const csp = String(res.headers['content-security-policy']);
    const sources = (directive: string) =>
      csp.match(new RegExp(`(?:^|;)${directive} ([^;]*)`))?.[1]?.split(' ');
    expect(sources('script-src')).toContain(`${h.emulator.url}/gsi/client`);
    expect(sources('frame-src')).toEqual([`${h.emulator.url}/gsi/`]);
    expect(sources('connect-src')).toEqual(["'self'", `${h.emulator.url}/gsi/`]);
  });
});

describe('GET /login with ONE_TAP=on and ONE_TAP_AUTO_SELECT=on, GSI_UX_MODE=redirect', () => {
  let hh: Harness;
  useHarness(
    { env: { ONE_TAP: 'on', ONE_TAP_AUTO_SELECT: 'on', GSI_UX_MODE: 'redirect' } },
    (s) => (hh = s.h),
  );

  it('when anonymous, then the page asks for One Tap with auto select, in redirect mode', async () => {
    const page = (await hh.client().get('/login').expect(200)).text;
    expect(page).toContain('data-one-tap="on"');
    expect(page).toContain('data-auto-select="on"');
    expect(page).toContain('data-gsi-ux-mode="redirect"');
  });
});
