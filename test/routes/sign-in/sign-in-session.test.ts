/** A successful popup sign-in: the user row, the session it starts, the greeting and the flash. */
import { describe, expect, it } from 'vitest';
import { type Harness, type Agent } from '../../support/harness.js';
import {
  cookieFromJar,
  getState,
  issueCode,
  sessionCookieOf,
  signInOk,
} from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));
/** Asymmetric matchers, typed as what they stand for. */
const anyNumber: unknown = expect.any(Number);
const httpUrl: unknown = expect.stringMatching(/^http/);
const ALICE = 'alice@example.com';
const BOB = 'bob@example.org';

describe('POST /gconnect: success', () => {
  it('when the code is posted raw, then it signs in, stores the user by sub and greets with escaped HTML', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const alice = h.emulator.accounts.find((a) => a.email === ALICE)!;
    const before = h.userRows();
    const hadAlice = before.some((r) => r.google_sub === alice.sub);
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .set('Content-Type', 'application/octet-stream')
      .send(issueCode(h))
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(res.text).toMatch(/<h1>Welcome( back)?, Alice Example!<\/h1>/);
    expect(res.text).toMatch(/<img src="http:\/\/127\.0\.0\.1:\d+\/avatars\/\d+\.svg"/);
    // Keyed by sub: one row for Alice (added now, or the one an earlier test wrote), no other.
    const rows = h.userRows();
    expect(rows).toHaveLength(before.length + (hadAlice ? 0 : 1));
    expect(rows.filter((r) => r.google_sub === alice.sub).map((r) => r.email)).toEqual([ALICE]);
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
    ['text/plain', (req: ReturnType<Agent['post']>, c: string) => req.type('text/plain').send(c)],
    [
      'form code=',
      (req: ReturnType<Agent['post']>, c: string) => req.type('form').send({ code: c }),
    ],
    [
      'JSON {"code"}',
      (req: ReturnType<Agent['post']>, c: string) => req.type('json').send({ code: c }),
    ],
  ] as const) {
    it(`when the code is posted as ${kind}, then it signs in`, async () => {
      const agent = h.client();
      const state = await getState(agent);
      const res = await send(agent.post(`/gconnect?state=${state}`), issueCode(h, BOB)).expect(200);
      expect(res.text).toMatch(/<h1>Welcome( back)?, Bob /);
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
      .send(issueCode(h))
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
        a.post(`/gconnect?state=${states[i]}`).type('text/plain').send(issueCode(h, account.email)),
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

describe('sessions across restarts', () => {
  it('when the server restarts, then a signed-in session survives', async () => {
    const agent = h.client();
    await signInOk(h, agent, BOB);
    await h.restart();
    const me = await h
      .client()
      .get('/me')
      .set('Cookie', await cookieFromJar(agent))
      .expect(200);
    expect((me.body as { email: string }).email).toBe(BOB);
  });
});
