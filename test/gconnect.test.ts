import { describe, expect, it } from 'vitest';
import { CLIENT } from './support/client.js';
import { type Harness } from './support/harness.js';
import { getState, signIn, signInOk, sessionCookieOf } from './support/sign-in.js';
import { useHarness } from './support/use-harness.js';

let h: Harness;
const scope = useHarness({}, (s) => (h = s.h));

/** Asymmetric matchers, typed as what they stand for. */
const anyNumber: unknown = expect.any(Number);
const httpUrl: unknown = expect.stringMatching(/^http/);
const ALICE = 'alice@example.com';
const BOB = 'bob@example.org';

function code(account = ALICE): string {
  return h.emulator.issueCode({ account, clientId: CLIENT.clientId });
}

/** After a refusal: nobody signed in on this client, and no user row written. */
async function expectNothingChanged(agent: ReturnType<Harness['client']>, rowsBefore: number) {
  await agent.get('/me').expect(401, { error: 'Not signed in.' });
  expect(h.userRows()).toHaveLength(rowsBefore);
}

describe('GET /login', () => {
  it('when viewed, then it shows a fresh ≥128-bit state on exactly one data-state element', async () => {
    const agent = h.client();
    const res = await agent
      .get('/login')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const states = [...res.text.matchAll(/data-state="([^"]*)"/g)].map((m) => m[1]);
    expect(states).toHaveLength(1);
    expect(states[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await agent.get('/login').expect(200);
    expect(again.text).not.toContain(states[0]);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
  });

  it('when asked for JSON, then it answers {"state": …}', async () => {
    const res = await h.client().get('/login').set('Accept', 'application/json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect((res.body as { state: string }).state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('when signed in, then the page shows who is signed in', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    const res = await agent.get('/login').expect(200);
    expect(res.text).toContain('Alice Example');
    expect(res.text).toContain('alice@example.com');
  });
});

describe('POST /gconnect: success', () => {
  it('when the code is posted raw, then it signs in, stores the user by sub and greets with escaped HTML', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const before = h.userRows().length;
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .set('Content-Type', 'application/octet-stream')
      .send(code())
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(res.text).toContain('<h1>Welcome, Alice Example!</h1>');
    expect(res.text).toMatch(/<img src="http:\/\/127\.0\.0\.1:\d+\/avatars\/\d+\.svg"/);
    const rows = h.userRows();
    expect(rows.length).toBe(before === 0 ? 1 : before);
    const alice = h.emulator.accounts.find((a) => a.email === ALICE)!;
    expect(rows.find((r) => r.google_sub === alice.sub)?.email).toBe(ALICE);
    const me = await agent.get('/me').expect(200);
    expect(me.body).toEqual({
      id: anyNumber,
      email: ALICE,
      name: 'Alice Example',
      picture: httpUrl,
      emailVerified: true,
    });
    expect(JSON.stringify(me.body)).not.toMatch(/ya29|token/i);
  });

  for (const [kind, send] of [
    [
      'text/plain',
      (req: ReturnType<ReturnType<Harness['client']>['post']>, c: string) =>
        req.type('text/plain').send(c),
    ],
    [
      'form code=',
      (req: ReturnType<ReturnType<Harness['client']>['post']>, c: string) =>
        req.type('form').send({ code: c }),
    ],
    [
      'JSON {"code"}',
      (req: ReturnType<ReturnType<Harness['client']>['post']>, c: string) =>
        req.type('json').send({ code: c }),
    ],
  ] as const) {
    it(`when the code is posted as ${kind}, then it signs in`, async () => {
      const agent = h.client();
      const state = await getState(agent);
      const res = await send(agent.post(`/gconnect?state=${state}`), code(BOB)).expect(200);
      expect(res.text).toContain('<h1>Welcome, Bob ');
      expect(((await agent.get('/me').expect(200)).body as { email: string }).email).toBe(BOB);
    });
  }

  it('when signing in, then the session id changes (no fixation)', async () => {
    const agent = h.client();
    const first = await agent.get('/login').set('Accept', 'application/json').expect(200);
    const before = sessionCookieOf(first);
    expect(before).toBeDefined();
    const res = await agent
      .post(`/gconnect?state=${(first.body as { state: string }).state}`)
      .type('text/plain')
      .send(code())
      .expect(200);
    const after = sessionCookieOf(res);
    expect(after).toBeDefined();
    expect(after!.split(';')[0]).not.toBe(before!.split(';')[0]);
  });

  it('when signed in, then the welcome flash is shown once on the home page', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('You are now logged in as Alice Example');
    expect(home.text).toContain('alice@example.com');
    const again = await agent.get('/').expect(200);
    expect(again.text).not.toContain('You are now logged in as');
    expect(again.text).toContain('alice@example.com');
  });

  it('when the sign-in page is the next page, then the welcome flash shows there, once', async () => {
    const agent = h.client();
    await signInOk(h, agent, BOB);
    const login = await agent.get('/login').expect(200);
    expect(login.text).toContain('You are now logged in as Bob Builder');
    const home = await agent.get('/').expect(200);
    expect(home.text).not.toContain('You are now logged in as');
  });

  it('when the same account signs in again in the same session, then "already connected"', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    const res = await signInOk(h, agent, ALICE, /application\/json/);
    expect(res.body).toBe('Current user is already connected.');
  });

  it('when another account signs in in a signed-in session, then the session switches to it', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    await signInOk(h, agent, BOB);
    const me = await agent.get('/me').expect(200);
    expect((me.body as { email: string }).email).toBe(BOB);
  });

  it('when 20 first sign-ins of one account run at once, then there is one user row', async () => {
    const account = h.emulator.accounts[2]!;
    const agents = Array.from({ length: 20 }, () => h.client());
    const states = await Promise.all(agents.map((a) => getState(a)));
    const results = await Promise.all(
      agents.map((a, i) =>
        a.post(`/gconnect?state=${states[i]}`).type('text/plain').send(code(account.email)),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(h.userRows().filter((r) => r.google_sub === account.sub)).toHaveLength(1);
  });

  it('when the profile name holds markup and the picture is not http(s), then both are made harmless', async () => {
    h.emulator.inject('userinfo', {
      kind: 'claims',
      claims: { name: '<script>alert(1)</script>', picture: 'javascript:alert(1)' },
    });
    const agent = h.client();
    const res = await signInOk(h, agent, 'carol@example.com');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>');
    expect(res.text).not.toContain('<img');
    const home = await agent.get('/').expect(200);
    expect(home.text).not.toContain('<script>alert(1)');
    expect(home.text).not.toContain('javascript:');
  });
});

describe('POST /gconnect: state refusals (401, and no call to Google)', () => {
  async function expectStateRefused(
    send: () => Promise<{ status: number; body: unknown }>,
    agent: ReturnType<Harness['client']>,
  ) {
    const rows = h.userRows().length;
    h.emulator.resetCalls();
    const res = await send();
    expect(res.status).toBe(401);
    expect(res.body).toBe('Invalid state parameter.');
    expect(h.emulator.calls('token')).toHaveLength(0);
    await expectNothingChanged(agent, rows);
  }

  it('when the state is missing, then 401', async () => {
    const agent = h.client();
    await getState(agent);
    await expectStateRefused(() => agent.post('/gconnect').type('text/plain').send(code()), agent);
  });

  it('when the state is wrong, then 401', async () => {
    const agent = h.client();
    await getState(agent);
    await expectStateRefused(
      () => agent.post('/gconnect?state=not-the-state').type('text/plain').send(code()),
      agent,
    );
  });

  it('when the state belongs to another session, then 401', async () => {
    const victim = h.client();
    const attacker = h.client();
    const victimState = await getState(victim);
    await getState(attacker);
    await expectStateRefused(
      () => attacker.post(`/gconnect?state=${victimState}`).type('text/plain').send(code()),
      attacker,
    );
  });

  it('when there is no session at all, then 401', async () => {
    const agent = h.client();
    const state = await getState(h.client());
    await expectStateRefused(
      () => agent.post(`/gconnect?state=${state}`).type('text/plain').send(code()),
      agent,
    );
  });

  it('when the state is replayed after a failed attempt, then 401', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type('text/plain').send('bogus-code').expect(401);
    await expectStateRefused(
      () => agent.post(`/gconnect?state=${state}`).type('text/plain').send(code()),
      agent,
    );
  });

  it('when the state is replayed with an old session cookie, then 401', async () => {
    const agent = h.client();
    const res = await agent.get('/login').set('Accept', 'application/json');
    const cookie = sessionCookieOf(res)!.split(';')[0]!;
    await agent
      .post(`/gconnect?state=${(res.body as { state: string }).state}`)
      .type('text/plain')
      .send(code())
      .expect(200);
    // Replay the pre-sign-in cookie, which still names the state in its (old) session.
    const replay = h.client();
    await expectStateRefused(
      () =>
        replay
          .post(`/gconnect?state=${(res.body as { state: string }).state}`)
          .set('Cookie', cookie)
          .type('text/plain')
          .send(code()),
      replay,
    );
  });

  it('when the state is older than 10 minutes, then 401', async () => {
    const agent = h.client();
    const state = await getState(agent);
    scope.advanceClock(10 * 60 * 1000 + 1000);
    await expectStateRefused(
      () => agent.post(`/gconnect?state=${state}`).type('text/plain').send(code()),
      agent,
    );
  });

  it('when the state parameter is repeated or nested, then 401, never 500', async () => {
    for (const query of ['state=a&state=b', 'state[x]=1', 'state=']) {
      const agent = h.client();
      await getState(agent);
      await expectStateRefused(
        () => agent.post(`/gconnect?${query}`).type('text/plain').send(code()),
        agent,
      );
    }
  });
});

describe('POST /gconnect: Google refusals', () => {
  async function refused(setup: () => void, status: number, message: string, account = ALICE) {
    setup();
    const agent = h.client();
    const rows = h.userRows().length;
    const res = await signIn(h, agent, account);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toBe(message);
    await expectNothingChanged(agent, rows);
    return res;
  }

  it('when the code was already used (invalid_grant), then 401 "Failed to upgrade"', async () => {
    const agent = h.client();
    const c = code();
    let state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type('text/plain').send(c).expect(200);
    const other = h.client();
    state = await getState(other);
    const res = await other.post(`/gconnect?state=${state}`).type('text/plain').send(c).expect(401);
    expect(res.body).toBe('Failed to upgrade the authorization code.');
    await other.get('/me').expect(401);
  });

  it("when tokeninfo's sub differs, then 401 and no user", async () => {
    await refused(
      () =>
        h.emulator.inject('tokeninfo', {
          kind: 'claims',
          claims: { sub: '999999999999999999999' },
        }),
      401,
      "Token's user ID doesn't match given user ID.",
      'dave.unverified@example.net',
    );
  });

  it("when tokeninfo's aud differs, then 401 and no user", async () => {
    await refused(
      () =>
        h.emulator.inject('tokeninfo', {
          kind: 'claims',
          claims: { aud: 'someone-else.apps.googleusercontent.com' },
        }),
      401,
      "Token's client ID does not match app's.",
      'dave.unverified@example.net',
    );
  });

  it('when tokeninfo answers with an error, then 500 with that error', async () => {
    await refused(
      () =>
        h.emulator.inject('tokeninfo', {
          kind: 'status',
          status: 400,
          body: { error: 'invalid_token', error_description: 'Invalid Value' },
        }),
      500,
      'invalid_token',
      'dave.unverified@example.net',
    );
  });

  it("when userinfo's sub differs, then 401 and no user", async () => {
    await refused(
      () =>
        h.emulator.inject('userinfo', { kind: 'claims', claims: { sub: '999999999999999999999' } }),
      401,
      'Invalid ID token.',
      'dave.unverified@example.net',
    );
  });

  for (const [name, fault] of [
    ['a flipped signature byte', { kind: 'idToken', sign: 'flip-signature' }],
    ['another audience', { kind: 'idToken', claims: { aud: 'other.apps.googleusercontent.com' } }],
    ['another issuer', { kind: 'idToken', claims: { iss: 'https://accounts.google.com' } }],
    [
      'an expiry in the past',
      {
        kind: 'idToken',
        claims: {
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 3600,
        },
      },
    ],
    ['alg none', { kind: 'idToken', sign: 'none' }],
    ['HS256 keyed with the client secret', { kind: 'idToken', sign: 'hs256-client-secret' }],
    ['no id_token at all', { kind: 'noIdToken' }],
  ] as const) {
    it(`when the ID token has ${name}, then 401 "Invalid ID token." and no userinfo call`, async () => {
      await refused(
        () => h.emulator.inject('token', fault),
        401,
        'Invalid ID token.',
        'dave.unverified@example.net',
      );
      expect(h.emulator.calls('userinfo')).toHaveLength(0);
      expect(h.emulator.calls('tokeninfo')).toHaveLength(0);
    });
  }

  it('when the token endpoint answers 500, then 502 and the code was posted once (no retry)', async () => {
    await refused(
      () =>
        h.emulator.inject(
          'token',
          { kind: 'status', status: 500, body: { error: 'internal' } },
          { times: 5 },
        ),
      502,
      'Google answered with an error; try again.',
    );
    expect(h.emulator.calls('token')).toHaveLength(1);
  });

  it('when the token endpoint answers HTML garbage, then 502', async () => {
    await refused(
      () =>
        h.emulator.inject('token', {
          kind: 'status',
          status: 200,
          body: '<html>oops</html>',
          contentType: 'text/html',
        }),
      502,
      'Google answered with an error; try again.',
    );
  });

  it('when userinfo answers truncated JSON, then 502', async () => {
    await refused(
      () =>
        h.emulator.inject('userinfo', {
          kind: 'status',
          status: 200,
          body: '{"sub": "12',
          contentType: 'application/json',
        }),
      502,
      'Google answered with an error; try again.',
    );
  });

  it('when the token endpoint hangs past GOOGLE_TIMEOUT_MS, then 504', async () => {
    // The hang ends with a normal answer after 5 s: a 504 means the 1.5 s deadline fired first.
    await refused(
      () => h.emulator.inject('token', { kind: 'hang', ms: 5000 }),
      504,
      'Google did not answer in time; try again.',
    );
  });

  it('when userinfo hangs past the deadline, then 504', async () => {
    await refused(
      () => h.emulator.inject('userinfo', { kind: 'hang', ms: 5000 }),
      504,
      'Google did not answer in time; try again.',
    );
  });
});

describe('POST /gconnect: request refusals', () => {
  it('when the body is over 4 KiB, then 413', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send('x'.repeat(5000))
      .expect(413);
    await agent.get('/me').expect(401);
  });

  it('when there is no code, then 400', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const res = await agent.post(`/gconnect?state=${state}`).type('json').send({}).expect(400);
    expect(res.body).toBe('Missing authorization code.');
  });

  it('when the JSON is malformed, then 400', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type('json').send('{"code":').expect(400);
  });

  it('when the request is cross-site by Fetch Metadata, then 403 before anything else', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Sec-Fetch-Site', 'cross-site')
      .type('text/plain')
      .send(code())
      .expect(403);
    expect(h.emulator.calls('token')).toHaveLength(0);
    await agent.get('/me').expect(401);
  });

  it('when the Origin is another site, then 403; when it is this site, then it goes through', async () => {
    const agent = h.client();
    let state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Origin', 'https://evil.example')
      .type('text/plain')
      .send(code())
      .expect(403);
    state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Origin', h.url)
      .type('text/plain')
      .send(code())
      .expect(200);
  });

  it('when Sec-Fetch-Site is same-origin, then it goes through', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Sec-Fetch-Site', 'same-origin')
      .type('text/plain')
      .send(code())
      .expect(200);
  });
});

describe('account routes', () => {
  it('when disconnecting, then the token is revoked at Google and the session ends', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    h.emulator.resetCalls();
    const res = await agent.post('/gdisconnect').expect(200);
    expect(res.body).toBe('Successfully disconnected.');
    expect(h.emulator.calls('revoke')).toHaveLength(1);
    await agent.get('/me').expect(401);
  });

  it('when disconnecting and Google fails to revoke, then the session still ends', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    h.emulator.inject('revoke', { kind: 'status', status: 503, body: 'down' });
    await agent.post('/gdisconnect').expect(200);
    await agent.get('/me').expect(401);
  });

  it('when an HTML form disconnects, then it is redirected home', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    await agent
      .post('/gdisconnect')
      .set('Accept', 'text/html')
      .type('form')
      .send('')
      .expect(303)
      .expect('Location', '/');
  });

  it('when not signed in, then disconnect is 401 "Current user not connected."', async () => {
    const res = await h.client().post('/gdisconnect').expect(401);
    expect(res.body).toBe('Current user not connected.');
  });

  it('when logging out, then 303 to / and the old cookie is anonymous', async () => {
    const agent = h.client();
    const signed = await signInOk(h, agent, ALICE);
    const cookie = sessionCookieOf(signed)!.split(';')[0]!;
    h.emulator.resetCalls();
    await agent.post('/logout').expect(303).expect('Location', '/');
    expect(h.emulator.calls('revoke')).toHaveLength(0);
    await h.client().get('/me').set('Cookie', cookie).expect(401);
  });

  it('when the server restarts, then a signed-in session survives', async () => {
    const agent = h.client();
    await signInOk(h, agent, BOB);
    await h.restart();
    const me = await h
      .client()
      .get('/me')
      .set('Cookie', await agentCookie(agent))
      .expect(200);
    expect((me.body as { email: string }).email).toBe(BOB);
  });

  it('when anonymous visitors view pages other than /login, then no session is stored', async () => {
    const before = h.sessionCount();
    for (let i = 0; i < 5; i++) {
      const res = await h.client().get('/').expect(200);
      expect(sessionCookieOf(res)).toBeUndefined();
      await h.client().get('/me').expect(401);
    }
    expect(h.sessionCount()).toBe(before);
  });

  it('GET /healthz answers ok while the database answers', async () => {
    await h.client().get('/healthz').expect(200, { status: 'ok' });
  });

  it('when a page does not exist, then 404', async () => {
    await h.client().get('/nope').expect(404);
  });
});

describe('secrets stay secret', () => {
  it('when signing in and out, then no code, token, state, secret or session id is logged', async () => {
    h.logs.length = 0;
    const agent = h.client();
    const first = await agent.get('/login').set('Accept', 'application/json');
    const c = code();
    const res = await agent
      .post(`/gconnect?state=${(first.body as { state: string }).state}`)
      .type('text/plain')
      .send(c)
      .expect(200);
    await agent.get('/me').expect(200);
    await agent.post('/gdisconnect').expect(200);
    const sid = decodeURIComponent(sessionCookieOf(res)!.split(';')[0]!.split('=')[1]!);
    const text = h.logs.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [
      c,
      (first.body as { state: string }).state,
      sid,
      sid.slice(2, 34),
      CLIENT.clientSecret,
      'ya29.',
      'session-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('sets helmet headers and a CSP that allows the GSI script by host and scripts by nonce', async () => {
    const res = await h.client().get('/login').expect(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain(`script-src 'self' 'nonce-`);
    expect(csp).toContain(h.emulator.url);
    expect(csp).not.toContain("'unsafe-inline'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(res.text).toContain(`nonce="${nonce}"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const cookie = sessionCookieOf(res)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});

async function agentCookie(agent: ReturnType<Harness['client']>): Promise<string> {
  // supertest's agent keeps a cookie jar; read the sid cookie back out of it.
  const jar = (
    agent as unknown as { jar: { getCookies(a: unknown): { name: string; value: string }[] } }
  ).jar;
  const { CookieAccessInfo } = await import('cookiejar');
  const sid = jar.getCookies(CookieAccessInfo.All).find((c) => c.name === 'sid');
  return `sid=${sid?.value}`;
}
