/**
 * Active sessions (OWASP ASVS 5.0 V7.4, V7.5): the user lists where they are signed in, by a
 * public id (never the session id), and ends one or all others; ending needs a recent sign-in.
 * Each test signs in its own account, so the tests share the harness and run in any order.
 */
import { describe, expect, it } from 'vitest';
import type { TestAccount } from '../../../emulator/server/accounts.js';
import type { SessionView } from '../../../src/routes/account/account-sessions.js';
import type { Agent } from '../../support/harness.js';
import { sessionCookieOf, sessionIdOf, signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let nextAccount = 0;
const ACCOUNTS: TestAccount[] = Array.from({ length: 16 }, (_, i) => ({
  sub: `2000000000000000000${String(i).padStart(2, '0')}`,
  email: `sessions${i}@example.com`,
  emailVerified: true,
  name: `Sessions ${i}`,
  givenName: 'Sessions',
  familyName: String(i),
  picture: '/avatars/none.svg',
}));

const scope = useHarness({
  env: { ACCOUNT_REAUTH_MINUTES: '10', MAX_SESSIONS_PER_USER: '3' },
  emulatorOptions: { accounts: ACCOUNTS },
});

/** An account no other test signs in. */
function freshAccount(): string {
  const account = ACCOUNTS[nextAccount++];
  if (!account) throw new Error('add accounts to ACCOUNTS');
  return account.email;
}

/** A client signed in as `account`, sending `userAgent` on every request. */
async function signedInClient(account: string, userAgent: string): Promise<Agent> {
  const agent = scope.h.client().set('User-Agent', userAgent);
  await signInOk(scope.h, agent, account);
  return agent;
}

async function listOf(agent: Agent): Promise<SessionView[]> {
  const res = await agent.get('/account/sessions').set('Accept', 'application/json').expect(200);
  return res.body as SessionView[];
}

const expectSignedOut = (agent: Agent) => agent.get('/me').expect(401);
const expectSignedIn = (agent: Agent) => agent.get('/me').expect(200);

describe('GET /account/sessions', () => {
  it('when signed in on two devices, then both are listed with device, network and method, the current one marked, and no session id anywhere', async () => {
    const account = freshAccount();
    const laptop = await signedInClient(account, FIREFOX_LINUX);
    const desktop = scope.h.client().set('User-Agent', CHROME_WINDOWS);
    const signIn = await signInOk(scope.h, desktop, account);
    const sid = sessionIdOf(sessionCookieOf(signIn)!);

    const res = await desktop.get('/account/sessions').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    const list = res.body as SessionView[];
    expect(list).toHaveLength(2);
    expect(list.map((s) => [s.device, s.current, s.method, s.address])).toEqual([
      ['Chrome on Windows', true, 'popup', '127.0.0.0/24'],
      ['Firefox on Linux', false, 'popup', '127.0.0.0/24'],
    ]);
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual(
        ['address', 'createdAt', 'current', 'device', 'id', 'lastSeenAt', 'method'].sort(),
      );
      expect(s.id).toMatch(/^[\w-]{22}$/);
      expect(Date.parse(s.createdAt)).not.toBeNaN();
    }
    // The session id (the cookie's "s:<sid>.<signature>") appears nowhere, in JSON or the page.
    expect(res.text).not.toContain(sid);
    const page = await desktop.get('/account').expect(200);
    expect(page.text).not.toContain(sid);
    expect(page.text).toContain('Firefox on Linux');
    expect(page.text).toContain(`data-session="${list[1]!.id}"`);
    // The other device sees the same two, itself marked.
    expect((await listOf(laptop)).map((s) => s.current)).toEqual([false, true]);
  });

  it('when not signed in, then 401 for JSON; a browser is sent to the account page after sign-in', async () => {
    const anonymous = scope.h.client();
    await anonymous.get('/account/sessions').set('Accept', 'application/json').expect(401);
    const page = await anonymous.get('/account/sessions').expect(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Faccount%2Fsessions');
  });
});

describe('POST /account/sessions/:id/revoke and /account/sessions/revoke-others', () => {
  it('when one other session is revoked, then its next request is signed out and the rest stay', async () => {
    const account = freshAccount();
    const phone = await signedInClient(account, FIREFOX_LINUX);
    const tablet = await signedInClient(account, FIREFOX_LINUX);
    const laptop = await signedInClient(account, CHROME_WINDOWS);
    const phoneId = (await listOf(phone)).find((s) => s.current)!.id;

    const res = await laptop.post(`/account/sessions/${phoneId}/revoke`).expect(200);
    expect(res.body).toEqual({ revoked: 1 });
    await expectSignedOut(phone);
    await expectSignedIn(tablet);
    await expectSignedIn(laptop);
    expect((await listOf(laptop)).map((s) => s.id)).not.toContain(phoneId);
  });

  it('when revoke-others is posted, then every other session of the user ends, not other users', async () => {
    const account = freshAccount();
    const others = [
      await signedInClient(account, FIREFOX_LINUX),
      await signedInClient(account, FIREFOX_LINUX),
    ];
    const someoneElse = await signedInClient(freshAccount(), FIREFOX_LINUX);
    const me = await signedInClient(account, CHROME_WINDOWS);

    const res = await me.post('/account/sessions/revoke-others').expect(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const other of others) await expectSignedOut(other);
    await expectSignedIn(me);
    await expectSignedIn(someoneElse);
    expect((await listOf(me)).map((s) => s.current)).toEqual([true]);
  });

  it("when the id is another user's session or unknown, then 404 and nothing ends", async () => {
    const victim = await signedInClient(freshAccount(), FIREFOX_LINUX);
    const victimId = (await listOf(victim))[0]!.id;
    const attacker = await signedInClient(freshAccount(), CHROME_WINDOWS);
    await attacker.post(`/account/sessions/${victimId}/revoke`).expect(404);
    await attacker.post('/account/sessions/not-a-session/revoke').expect(404);
    await expectSignedIn(victim);
  });

  it('when the current session is revoked from the page, then it is signed out and sent home', async () => {
    const me = await signedInClient(freshAccount(), FIREFOX_LINUX);
    const id = (await listOf(me))[0]!.id;
    const res = await me
      .post(`/account/sessions/${id}/revoke`)
      .set('Accept', 'text/html')
      .type('form')
      .send('')
      .expect(303);
    expect(res.headers.location).toBe('/');
    await expectSignedOut(me);
  });

  it('when the sign-in is older than ACCOUNT_REAUTH_MINUTES, then 403 asking to sign in again, nothing ends, and the page offers the sign-in', async () => {
    const account = freshAccount();
    const other = await signedInClient(account, FIREFOX_LINUX);
    const me = await signedInClient(account, CHROME_WINDOWS);
    const otherId = (await listOf(other)).find((s) => s.current)!.id;
    scope.advanceClock(11 * 60_000);

    const revoke = await me.post(`/account/sessions/${otherId}/revoke`).expect(403);
    expect(revoke.body).toBe('Sign in again first: this action needs a recent sign-in.');
    await me.post('/account/sessions/revoke-others').expect(403);
    await expectSignedIn(other);
    const page = await me.get('/account').expect(200);
    expect(page.text).toContain('href="/login?returnTo=/account&amp;reauth=1"');
    expect(page.text).not.toContain('action="/account/sessions/revoke-others"');

    // Google vouching again ("already connected") makes it recent.
    await signInOk(scope.h, me, account, /json/);
    await me.post(`/account/sessions/${otherId}/revoke`).expect(200);
    await expectSignedOut(other);
  });

  it('when the post is cross-site, then 403 and nothing ends', async () => {
    const account = freshAccount();
    const other = await signedInClient(account, FIREFOX_LINUX);
    const me = await signedInClient(account, CHROME_WINDOWS);
    await me
      .post('/account/sessions/revoke-others')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Origin', 'https://evil.example')
      .expect(403);
    await expectSignedIn(other);
  });
});

describe('disconnecting Google and deleting the account need a recent sign-in', () => {
  const REAUTH = 'Sign in again first: this action needs a recent sign-in.';

  it('when the sign-in is older than ACCOUNT_REAUTH_MINUTES, then JSON gets 403 reauth_required for both, nothing is removed, and a fresh sign-in unlocks them', async () => {
    const account = freshAccount();
    const me = await signedInClient(account, FIREFOX_LINUX);
    scope.advanceClock(11 * 60_000);

    const disconnect = await me.post('/gdisconnect').set('Accept', 'application/json');
    expect({ status: disconnect.status, body: disconnect.body as unknown }).toEqual({
      status: 403,
      body: REAUTH,
    });
    const remove = await me.post('/account/delete').send({ confirm: true });
    expect({ status: remove.status, body: remove.body as unknown }).toEqual({
      status: 403,
      body: REAUTH,
    });
    await expectSignedIn(me);
    expect(scope.h.userRows().map((u) => u.email)).toContain(account);
    expect(scope.h.emulator.calls('revoke')).toHaveLength(0);

    await signInOk(scope.h, me, account, /json/);
    await me.post('/account/delete').send({ confirm: true }).expect(200, { deleted: true });
    expect(scope.h.userRows().map((u) => u.email)).not.toContain(account);
  });

  it('when a browser posts either form with an old sign-in, then 403 with a page that offers signing in again and coming back to /account', async () => {
    const account = freshAccount();
    const me = await signedInClient(account, FIREFOX_LINUX);
    scope.advanceClock(11 * 60_000);

    for (const [path, body] of [
      ['/gdisconnect', ''],
      ['/account/delete', 'confirm=yes'],
    ] as const) {
      const page = await me.post(path).set('Accept', 'text/html').type('form').send(body);
      expect(page.status, path).toBe(403);
      expect(page.type).toBe('text/html');
      expect(page.text).toContain('Sign in again first');
      expect(page.text).toContain('href="/login?returnTo=/account&amp;reauth=1"');
    }
    await expectSignedIn(me);
    // The account page offers the sign-in instead of forms that would be refused.
    const account_page = await me.get('/account').expect(200);
    expect(account_page.text).toContain('href="/login?returnTo=/account&amp;reauth=1"');
    expect(account_page.text).not.toContain('action="/gdisconnect"');
    expect(account_page.text).not.toContain('action="/account/delete"');

    await signInOk(scope.h, me, account, /json/);
    const fresh = await me.get('/account').expect(200);
    expect(fresh.text).toContain('action="/gdisconnect"');
    const res = await me.post('/gdisconnect').set('Accept', 'text/html').type('form').send('');
    expect(res.status).toBe(303);
    await expectSignedOut(me);
  });

  it('when not signed in, then /gdisconnect stays 401 "Current user not connected." before the recent-sign-in rule', async () => {
    const res = await scope.h.client().post('/gdisconnect').set('Accept', 'application/json');
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 401,
      body: 'Current user not connected.',
    });
  });
});

describe('MAX_SESSIONS_PER_USER', () => {
  it('when a user signs in beyond the cap, then the oldest sessions end and the newest stay', async () => {
    const account = freshAccount();
    const clients: Agent[] = [];
    for (let i = 0; i < 5; i++) {
      clients.push(await signedInClient(account, FIREFOX_LINUX));
      scope.advanceClock(1000); // distinct creation times, so "oldest" is well defined
    }
    await expectSignedOut(clients[0]!);
    await expectSignedOut(clients[1]!);
    for (const c of clients.slice(2)) await expectSignedIn(c);
    expect(await listOf(clients[4]!)).toHaveLength(3);
  });
});

describe('security log on /account', () => {
  it('when the user signs in, ends a session and signs out, then the account page lists each, newest first', async () => {
    const account = freshAccount();
    const other = await signedInClient(account, FIREFOX_LINUX);
    const me = await signedInClient(account, CHROME_WINDOWS);
    await me.post('/account/sessions/revoke-others').expect(200);
    await other.post('/logout').expect(303); // signed out already: nothing to record
    const page = await me.get('/account').expect(200);
    const kinds = [...page.text.matchAll(/<li data-kind="([\w-]+)">/g)].map((m) => m[1]);
    expect(kinds).toEqual(['sessions-revoked', 'sign-in', 'sign-in']);
    await me.post('/logout').expect(303);
    const again = await signedInClient(account, CHROME_WINDOWS);
    const later = await again.get('/account').expect(200);
    const after = [...later.text.matchAll(/<li data-kind="([\w-]+)">/g)].map((m) => m[1]);
    expect(after.slice(0, 3)).toEqual(['sign-in', 'sign-out', 'sessions-revoked']);
  });
});
