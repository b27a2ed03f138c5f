import { describe, expect, it } from 'vitest';
import { s256Challenge } from '../../../src/signin/pkce.js';
import { safeReturnTo } from '../../../src/signin/return-to.js';
import { CLIENT } from '../../support/client.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { sessionCookieOf } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
const scope = useHarness({}, (s) => (h = s.h));

const ALICE = 'alice@example.com';
type Agent = ReturnType<Harness['client']>;

/** GET /auth/google: the authorization URL the app sends the browser to. */
async function startSignIn(agent: Agent, query = ''): Promise<URL> {
  const res = await agent.get(`/auth/google${query}`).expect(302);
  return new URL(String(res.headers.location));
}

/** What a person does on the emulator's consent page: pick an account, or press Cancel. */
async function consent(authUrl: URL, choice: { account: string } | 'cancel'): Promise<URL> {
  const page = await (await fetch(authUrl)).text();
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1] ?? ''] = (m[2] ?? '').replace(/&amp;/g, '&');
  }
  if (choice === 'cancel') fields.action = 'cancel';
  else fields.account = h.emulator.accounts.find((a) => a.email === choice.account)?.sub ?? '';
  const res = await fetch(new URL('/o/oauth2/v2/auth/approve', authUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  expect(res.status).toBe(302);
  return new URL(String(res.headers.get('location')));
}

/** Back at our callback, as a browser navigating (it wants a page). */
function callback(agent: Agent, url: URL | string) {
  const target = typeof url === 'string' ? url : `${url.pathname}${url.search}`;
  return agent.get(target).set('Accept', 'text/html');
}

async function expectSignedOut(agent: Agent) {
  await agent.get('/me').expect(401, { error: 'Not signed in.' });
}

/**
 * A failed callback, as a browser sees it: a 303 to the clean failure page (no code or state in
 * the address bar), then that page, whose status and words are returned.
 */
async function failedCallback(agent: Agent, url: URL | string) {
  const res = await callback(agent, url).expect(303);
  const location = new URL(String(res.headers.location), h.url);
  expect(location.pathname).toBe('/sign-in-failed');
  expect([...location.searchParams.keys()].sort()).toEqual(['reason', 'status']);
  return agent.get(`${location.pathname}${location.search}`).set('Accept', 'text/html');
}

/** The friendly failure page: its heading, an offer to start again, and no technical message. */
function expectFailedPage(
  res: { status: number; text: string; headers: object },
  heading: string,
  technical: string,
) {
  expect(String((res.headers as Record<string, string>)['content-type'])).toMatch(/text\/html/);
  expect(res.text).toContain(`<h1>${heading}</h1>`);
  expect(res.text).toContain('href="/login"');
  expect(res.text).not.toContain(technical);
}

describe('GET /auth/google', () => {
  it('when started, then it redirects to the authorization endpoint with state, nonce and S256 PKCE', async () => {
    const agent = h.client();
    const res = await agent.get('/auth/google').expect(302);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(sessionCookieOf(res)).toBeDefined();
    const url = new URL(String(res.headers.location));
    expect(`${url.origin}${url.pathname}`).toBe(`${h.emulator.url}/o/oauth2/v2/auth`);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      client_id: CLIENT.clientId,
      redirect_uri: `${h.url}/auth/google/callback`,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([q.state, q.nonce, q.code_challenge]).size).toBe(3);
    const again = await startSignIn(agent);
    expect(again.searchParams.get('state')).not.toBe(q.state);
  });

  it('when the request comes through a trusted proxy, then redirect_uri uses its scheme and host', async () => {
    const proxied = await startHarness({ env: { TRUST_PROXY: 'loopback' } });
    try {
      const res = await proxied
        .client()
        .get('/auth/google')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'app.example')
        .expect(302);
      const url = new URL(String(res.headers.location));
      expect(url.searchParams.get('redirect_uri')).toBe('https://app.example/auth/google/callback');
    } finally {
      await proxied.close();
    }
  });

  it('when the proxy is not trusted, then X-Forwarded-* headers are ignored', async () => {
    const res = await h
      .client()
      .get('/auth/google')
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-Host', 'evil.example')
      .expect(302);
    const url = new URL(String(res.headers.location));
    expect(url.searchParams.get('redirect_uri')).toBe(`${h.url}/auth/google/callback`);
  });
});

describe('GET /auth/google/callback: success', () => {
  it('when the account is picked, then it signs in, regenerates the session and 303s home with a flash', async () => {
    const agent = h.client();
    const authUrl = await startSignIn(agent);
    const before = sessionCookieOf(await agent.get('/login'));
    const back = await consent(authUrl, { account: ALICE });
    expect(`${back.origin}${back.pathname}`).toBe(`${h.url}/auth/google/callback`);

    const res = await callback(agent, back).expect(303);
    expect(res.headers.location).toBe('/');
    const after = sessionCookieOf(res);
    expect(after).toBeDefined();
    expect(after?.split(';')[0]).not.toBe(before?.split(';')[0]);

    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({ email: ALICE, name: 'Alice Example', emailVerified: true });
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('You are now logged in as Alice Example');
    // Flashed once: the next view of the page no longer shows it.
    expect((await agent.get('/').expect(200)).text).not.toContain('You are now logged in as');
    expect(h.emulator.calls().map((c) => c.endpoint)).toEqual(
      expect.arrayContaining(['auth', 'token', 'tokeninfo', 'userinfo']),
    );
  });

  it('when the code was issued for our challenge, then the exchange sends the matching verifier', async () => {
    const agent = h.client();
    const authUrl = await startSignIn(agent);
    const challenge = authUrl.searchParams.get('code_challenge') ?? '';
    // A code bound to another verifier's challenge fails at the token endpoint: ours is checked.
    const stolen = h.emulator.issueCode({
      account: ALICE,
      clientId: CLIENT.clientId,
      redirectUri: `${h.url}/auth/google/callback`,
      nonce: authUrl.searchParams.get('nonce') ?? '',
      codeChallenge: s256Challenge('another-flows-verifier-0123456789abcdefghijk'),
      codeChallengeMethod: 'S256',
    });
    const state = authUrl.searchParams.get('state') ?? '';
    const refused = await failedCallback(
      agent,
      `/auth/google/callback?code=${stolen}&state=${state}`,
    );
    expect(refused.status).toBe(401);
    expectFailedPage(refused, 'Sign-in failed', 'Failed to upgrade the authorization code.');
    await expectSignedOut(agent);

    // The same request with a code bound to the challenge the app sent succeeds.
    const next = await startSignIn(agent);
    expect(next.searchParams.get('code_challenge')).not.toBe(challenge);
    await callback(agent, await consent(next, { account: ALICE })).expect(303);
    await agent.get('/me').expect(200);
  });

  it('when already signed in as the same account, then it says so and keeps the session', async () => {
    const agent = h.client();
    await callback(agent, await consent(await startSignIn(agent), { account: ALICE })).expect(303);
    await agent.get('/');
    const res = await callback(
      agent,
      await consent(await startSignIn(agent), { account: ALICE }),
    ).expect(303);
    expect(sessionCookieOf(res)?.split(';')[0]).not.toMatch(/^sid=;/);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Current user is already connected.');
    await agent.get('/me').expect(200);
  });
});

describe('GET /auth/google/callback: state', () => {
  it('when the state is missing, then 401 page, no call to Google, and the request is used up', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), { account: ALICE });
    h.emulator.resetCalls();
    const code = back.searchParams.get('code') ?? '';
    const res = await failedCallback(
      agent,
      `/auth/google/callback?code=${encodeURIComponent(code)}`,
    );
    expect(res.status).toBe(401);
    expectFailedPage(res, 'This sign-in has expired', 'Invalid state parameter.');
    expect(res.text).toContain('The sign-in took too long or was already used');
    expect(res.text).toContain('Start again');
    expect(res.text).not.toContain(code);
    expect((await failedCallback(agent, back)).status).toBe(401);
    expect(h.emulator.calls('token')).toHaveLength(0);
    await expectSignedOut(agent);
  });

  it('when the state is wrong, then 401, and the right one afterwards is refused too', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), { account: ALICE });
    const wrong = new URL(back);
    wrong.searchParams.set('state', 'x'.repeat(43));
    expect((await failedCallback(agent, wrong)).status).toBe(401);
    expect((await failedCallback(agent, back)).status).toBe(401);
    expect(h.emulator.calls('token')).toHaveLength(0);
    await expectSignedOut(agent);
  });

  it('when the callback is replayed, then the second use is refused', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), { account: ALICE });
    await callback(agent, back).expect(303);
    h.emulator.resetCalls();
    const replay = await failedCallback(agent, back);
    expect(replay.status).toBe(401);
    expectFailedPage(replay, 'This sign-in has expired', 'Invalid state parameter.');
    expect(h.emulator.calls('token')).toHaveLength(0);
  });

  it("when another browser brings this browser's callback, then it is refused", async () => {
    const victim = h.client();
    const back = await consent(await startSignIn(victim), { account: ALICE });
    const attacker = h.client();
    await startSignIn(attacker);
    expect((await failedCallback(attacker, back)).status).toBe(401);
    await expectSignedOut(attacker);
  });

  it('when the request is older than 10 minutes, then 401', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), { account: ALICE });
    scope.advanceClock(10 * 60 * 1000 + 1000);
    expect((await failedCallback(agent, back)).status).toBe(401);
    expect(h.emulator.calls('token')).toHaveLength(0);
  });

  it('when a JSON client calls back with a bad state, then the contract JSON string', async () => {
    const res = await h.client().get('/auth/google/callback?code=c&state=s').expect(401);
    expect(res.body).toBe('Invalid state parameter.');
  });
});

describe('GET /auth/google/callback: Google refuses or lies', () => {
  it('when the person presses Cancel, then a friendly page says it was cancelled', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), 'cancel');
    expect(back.searchParams.get('error')).toBe('access_denied');
    const res = await failedCallback(agent, back);
    expect(res.status).toBe(401);
    expectFailedPage(res, 'Sign-in cancelled', 'Sign-in was cancelled at Google.');
    expect(res.text).toContain('You cancelled the sign-in at Google.');
    expect(h.emulator.calls('token')).toHaveLength(0);
    await expectSignedOut(agent);
  });

  it("when the ID token's nonce is not ours, then 401 and nobody is signed in", async () => {
    const agent = h.client();
    const rows = h.userRows().length;
    const back = await consent(await startSignIn(agent), { account: ALICE });
    h.emulator.inject('token', { kind: 'idToken', claims: { nonce: 'another-requests-nonce' } });
    const res = await failedCallback(agent, back);
    expect(res.status).toBe(401);
    expectFailedPage(res, 'Sign-in failed', 'Invalid ID token.');
    // No userinfo call with the token of a bad ID token.
    expect(h.emulator.calls('userinfo')).toHaveLength(0);
    expect(h.userRows()).toHaveLength(rows);
    await expectSignedOut(agent);
  });

  it('when the ID token has no nonce, then 401', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), { account: ALICE });
    h.emulator.inject('token', { kind: 'idToken', claims: { nonce: null } });
    expect((await failedCallback(agent, back)).status).toBe(401);
    await expectSignedOut(agent);
  });

  it('when the code is missing, then 400', async () => {
    const agent = h.client();
    const authUrl = await startSignIn(agent);
    const state = authUrl.searchParams.get('state') ?? '';
    expect((await failedCallback(agent, `/auth/google/callback?state=${state}`)).status).toBe(400);
  });

  it('when the token endpoint fails, then the page leaks no upstream text, code or state', async () => {
    const agent = h.client();
    const back = await consent(await startSignIn(agent), { account: ALICE });
    h.emulator.inject('token', { kind: 'status', status: 500, body: 'upstream secret detail' });
    const res = await failedCallback(agent, back);
    expect(res.status).toBe(502);
    expect(res.text).toContain('<h1>Something went wrong</h1>');
    expect(res.text).not.toContain('upstream secret detail');
    expect(res.text).not.toContain(back.searchParams.get('code'));
    expect(res.text).not.toContain(back.searchParams.get('state'));
    const logs = h.logs.join('');
    expect(logs).not.toContain(back.searchParams.get('code'));
    expect(logs).not.toContain(back.searchParams.get('state'));
  });
});

/**
 * returnTo values that a naive check lets through to another host: scheme-relative, dot segments
 * (plain, percent-encoded, mixed case) that normalize to `//host`, backslashes browsers read as
 * slashes, tabs and newlines they drop, absolute URLs and other schemes.
 */
const OPEN_REDIRECTS = [
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '/\\\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/%09/evil.example',
  '/.//evil.example/x',
  '/./\\evil.example',
  '/.\\/evil.example',
  '/a/..//evil.example',
  '/a/b/../..//evil.example',
  '/../..//evil.example',
  '/a/..\\/evil.example',
  '/%2e//evil.example',
  '/%2E//evil.example',
  '/a/%2e%2e//evil.example',
  '/a/.%2E//evil.example',
  '/.%2f/evil.example',
  '/%2f/evil.example',
  '/%5c/evil.example',
  '/.%5C/evil.example',
  '/.\t//evil.example',
  'https://evil.example/',
  'HTTPS://evil.example/',
  'https:evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
];

/** A Location a browser resolves against our origin must stay on it. */
function expectSameOrigin(location: string, asked: string) {
  const base = 'http://app.invalid';
  expect(new URL(location, base).origin, `${JSON.stringify(asked)} -> ${location}`).toBe(base);
  expect(location, asked).toMatch(/^\/(?![/\\])/);
}

describe('returnTo', () => {
  it('when a same-origin path is given, then the sign-in ends there', async () => {
    const agent = h.client();
    const authUrl = await startSignIn(agent, '?returnTo=%2Fme%3Fview%3D1');
    const res = await callback(agent, await consent(authUrl, { account: ALICE })).expect(303);
    expect(res.headers.location).toBe('/me?view=1');
  });

  it('when an open redirect is attempted, then a fresh sign-in ends on this origin', async () => {
    for (const hostile of OPEN_REDIRECTS) {
      const agent = h.client();
      const authUrl = await startSignIn(agent, `?returnTo=${encodeURIComponent(hostile)}`);
      const res = await callback(agent, await consent(authUrl, { account: ALICE })).expect(303);
      expectSameOrigin(String(res.headers.location), hostile);
      await agent.get('/me').expect(200);
    }
  });

  it('when an open redirect is attempted by a signed-in user, then "already connected" ends on this origin', async () => {
    const agent = h.client();
    await callback(agent, await consent(await startSignIn(agent), { account: ALICE })).expect(303);
    for (const hostile of OPEN_REDIRECTS) {
      const authUrl = await startSignIn(agent, `?returnTo=${encodeURIComponent(hostile)}`);
      const res = await callback(agent, await consent(authUrl, { account: ALICE })).expect(303);
      expectSameOrigin(String(res.headers.location), hostile);
    }
  });

  it('when given anything that leaves the origin, then safeReturnTo answers /', () => {
    const hostile = [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '/.//evil.example/x',
      '/a/..//evil.example',
      '/%2e//evil.example',
      '/a/.%2E//evil.example',
      '/./\\evil.example',
      '\\/evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      'evil.example',
      '',
      undefined,
      ['/a', '/b'],
      '/' + 'a'.repeat(3000),
    ];
    for (const value of hostile) expect(safeReturnTo(value), String(value)).toBe('/');
    expect(safeReturnTo('/')).toBe('/');
    expect(safeReturnTo('/me')).toBe('/me');
    expect(safeReturnTo('/a/b?c=d#e')).toBe('/a/b?c=d#e');
    expect(safeReturnTo('/a/../b')).toBe('/b');
  });

  it('when a value normalizes to another host, then safeReturnTo answers / (dot segments, encodings)', () => {
    for (const value of OPEN_REDIRECTS) {
      const location = safeReturnTo(value);
      expectSameOrigin(location, value);
      expect(safeReturnTo(location), value).toBe(location);
    }
  });
});
