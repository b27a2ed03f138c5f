/**
 * Offline access over real HTTP against the emulator: the grant kept encrypted, used through
 * googleAccessToken (GET /account/google), refreshed when expired and not before, once for
 * concurrent requests, reconnect on invalid_grant, and disconnect/delete removing it all.
 */
import { readFileSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import pino from 'pino';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_REFRESH_FAILURE_MS } from '../../src/grants/refresh-lease.js';
import { parseTokenKeys } from '../../src/core/token-keys.js';
import { createTokenCipher } from '../../src/grants/token-cipher.js';
import type { GrantRow } from '../../src/storage/sqlite/grant-store.js';
import { startServer } from '../../src/server/start.js';
import { CLIENT } from '../support/client.js';
import { postForm, refreshAt } from '../support/emulator.js';
import { getState, sessionCookieOf, signInOk } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const KEY1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const DRIVE = 'https://www.googleapis.com/auth/drive.file';
const HOUR_MS = 3600 * 1000;

let offset = 0;
const clock = () => Date.now() + offset;
const s = useHarness({
  now: clock,
  emulatorOptions: { now: clock },
  env: { TOKEN_ENCRYPTION_KEYS: KEY1, GOOGLE_SCOPES: DRIVE },
});
afterEach(() => {
  offset = 0;
});

const cipher = createTokenCipher(parseTokenKeys(KEY1).keys);

function grantOf(userId: number): GrantRow | undefined {
  return s.db.prepare('SELECT * FROM google_grants WHERE user_id = ?').get(userId) as
    GrantRow | undefined;
}

function userIdOf(email: string): number {
  const row = s.h.userRows().find((u) => u.email === email);
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

/** Signs in with a fresh consent (the emulator gives a refresh token), returning the agent. */
async function signedIn(email: string): Promise<{ agent: supertest.Agent; userId: number }> {
  const agent = s.h.client();
  await forgetGrantAtEmulator(email);
  await signInOk(s.h, agent, email);
  s.h.emulator.resetCalls(); // each test counts the calls it causes
  return { agent, userId: userIdOf(email) };
}

/** Revokes whatever grant earlier tests left at the emulator, so the next consent is a first. */
async function forgetGrantAtEmulator(email: string): Promise<void> {
  const code = s.h.emulator.issueCode({
    account: email,
    clientId: CLIENT.clientId,
    accessType: 'online',
  });
  const res = await postForm(`${s.h.emulator.url}/token`, {
    code,
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    grant_type: 'authorization_code',
    redirect_uri: 'postmessage',
  });
  const { access_token } = (await res.json()) as { access_token: string };
  await postForm(`${s.h.emulator.url}/revoke`, { token: access_token });
  s.h.emulator.resetCalls();
}

function refreshTokenOf(userId: number): string {
  const row = grantOf(userId);
  if (!row?.refresh_token) throw new Error('no refresh token stored');
  return cipher.open(row.refresh_token, { userId, column: 'refresh_token' });
}

const googleConnection = (agent: supertest.Agent) =>
  agent.get('/account/google').set('Accept', 'application/json');

describe('the grant kept at sign-in', () => {
  it('when a user signs in, then the grant holds sealed tokens and the scope as granted, and the session no token', async () => {
    const agent = s.h.client();
    await forgetGrantAtEmulator('alice@example.com');
    const state = await getState(agent);
    const code = s.h.emulator.issueCode({
      account: 'alice@example.com',
      clientId: CLIENT.clientId,
      scope: `openid email profile ${DRIVE}`,
    });
    await agent
      .post(`/gconnect?state=${encodeURIComponent(state)}`)
      .type('application/octet-stream')
      .send(code)
      .expect(200);
    const userId = userIdOf('alice@example.com');
    const row = grantOf(userId);
    const granted = `openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile ${DRIVE}`;
    expect(row).toMatchObject({ scope: granted, status: 'connected', status_reason: null });
    expect(row?.refresh_token).toMatch(/^v1\.k1\./);
    expect(row?.access_token).toMatch(/^v1\.k1\./);
    expect(refreshTokenOf(userId)).toMatch(/^1\/\//);
    const sessions = s.db.prepare('SELECT sess FROM sessions').all() as { sess: string }[];
    for (const { sess } of sessions) {
      expect(sess).not.toMatch(/ya29\.|1\/\/0|accessToken/);
    }
    const res = await googleConnection(agent).expect(200);
    expect(res.body).toMatchObject({ status: 'connected', scopes: granted.split(' ') });
  });

  it('when signing in again brings no refresh token, then the stored one is kept (and never revoked)', async () => {
    const { userId } = await signedIn('bob@example.org');
    const first = refreshTokenOf(userId);
    await signInOk(s.h, s.h.client(), 'bob@example.org'); // second consent: no refresh token
    expect(refreshTokenOf(userId)).toBe(first);
    expect(s.h.emulator.calls('revoke')).toHaveLength(0);
  });
});

describe('googleAccessToken through GET /account/google', () => {
  it('when the access token has expired at Google, then one refresh, and the profile comes from Google now', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    offset += HOUR_MS; // the original access token is dead at the emulator too
    const res = await googleConnection(agent).expect(200);
    expect(res.body).toMatchObject({
      status: 'connected',
      profile: { email: 'alice@example.com', name: expect.any(String) as string },
    });
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
    expect(s.h.emulator.calls('userinfo')).toHaveLength(1);
    expect(grantOf(userId)?.refreshed_at).not.toBeNull();
    await googleConnection(agent).expect(200);
    expect(s.h.emulator.calls('refresh')).toHaveLength(1); // the new token is used, not refreshed
  });

  it('when the access token has more than the margin left, then no refresh; within it, one', async () => {
    const { agent } = await signedIn('alice@example.com');
    offset += 3599 * 1000 - 31_000;
    await googleConnection(agent).expect(200);
    expect(s.h.emulator.calls('refresh')).toHaveLength(0);
    offset += 2000;
    await googleConnection(agent).expect(200);
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
  });

  it('when several requests of one user need a refresh at once, then exactly one refresh call', async () => {
    const { agent } = await signedIn('alice@example.com');
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'hang', ms: 300 }); // the others wait for the lease
    const responses = await Promise.all(Array.from({ length: 6 }, () => googleConnection(agent)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
  });

  it('when two instances on one database get requests needing a refresh at once, then exactly one refresh call', async () => {
    await forgetGrantAtEmulator('bob@example.org');
    const signInResponse = await signInOk(s.h, s.h.client(), 'bob@example.org');
    const cookie = (sessionCookieOf(signInResponse) ?? '').split(';')[0] ?? '';
    s.h.emulator.resetCalls();
    const second = await startServer(s.h.settings, {
      now: clock,
      logger: pino({ level: 'silent' }),
    });
    try {
      offset += HOUR_MS;
      s.h.emulator.inject('refresh', { kind: 'hang', ms: 300 });
      const responses = await Promise.all(
        [s.h.url, second.url, s.h.url, second.url].map((url) =>
          supertest(url)
            .get('/account/google')
            .set('Accept', 'application/json')
            .set('Cookie', cookie),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(s.h.emulator.calls('refresh')).toHaveLength(1);
    } finally {
      await second.close(100);
    }
  });

  it('when Google answers invalid_grant, then the grant needs reconnecting and the user stays signed in', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'invalidGrant' });
    const res = await googleConnection(agent).expect(200);
    expect(res.body).toEqual({
      status: 'needs_reconnect',
      scopes: expect.any(Array) as unknown[],
      profile: null,
      features: {},
      accessEndsAt: null,
    });
    expect(grantOf(userId)).toMatchObject({
      status: 'needs_reconnect',
      status_reason: 'Token has been expired or revoked.',
    });
    await agent.get('/me').expect(200);
    const page = await agent.get('/account').expect(200);
    expect(page.text).toContain('Reconnect Google');
    expect(page.text).toContain('no longer accepts this app');
    // Only the state's own action: no "Disconnect Google" or "Connect Google" beside it.
    expect(page.text).not.toMatch(/Disconnect Google|>Connect Google|Not connected/);
    // Reconnecting asks Google for consent again: the only way to a new refresh token.
    const redirect = await agent.get('/auth/google?returnTo=/account').expect(302);
    expect(new URL(String(redirect.headers.location)).searchParams.get('prompt')).toBe('consent');
  });

  it('when a user whose grant needs reconnecting reconnects, then the new refresh token is kept and works', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    const refused = refreshTokenOf(userId);
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'invalidGrant' });
    await googleConnection(agent).expect(200);
    expect(grantOf(userId)?.status).toBe('needs_reconnect');
    offset = 0; // google-auth-library checks the new ID token's iat against the real clock
    // "Reconnect Google", followed through Google's consent back to the callback.
    const auth = new URL(
      String((await agent.get('/auth/google?returnTo=/account').expect(302)).headers.location),
    );
    const q = auth.searchParams;
    const code = s.h.emulator.issueCode({
      account: 'alice@example.com',
      clientId: CLIENT.clientId,
      redirectUri: q.get('redirect_uri') ?? '',
      nonce: q.get('nonce') ?? '',
      codeChallenge: q.get('code_challenge') ?? '',
      codeChallengeMethod: 'S256',
      accessType: 'offline',
      prompt: q.get('prompt') ?? '',
      scope: q.get('scope') ?? '',
    });
    const callback = await agent
      .get(`/auth/google/callback?code=${encodeURIComponent(code)}&state=${q.get('state')}`)
      .set('Accept', 'text/html')
      .expect(303);
    expect(callback.headers.location).toBe('/account');
    expect(grantOf(userId)).toMatchObject({ status: 'connected', status_reason: null });
    expect(refreshTokenOf(userId)).not.toBe(refused);
    // The kept token is the one Google issued: a refresh with it succeeds.
    offset += HOUR_MS;
    s.h.emulator.resetCalls();
    const res = await googleConnection(agent).expect(200);
    expect(res.body).toMatchObject({
      status: 'connected',
      profile: { email: 'alice@example.com' },
    });
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
  });

  it('when refresh tokens expire as for an app in Testing status, then needs_reconnect', async () => {
    const { agent, userId } = await signedIn('bob@example.org');
    s.h.emulator.expireRefreshTokens();
    offset += HOUR_MS;
    expect((await googleConnection(agent).expect(200)).body).toMatchObject({
      status: 'needs_reconnect',
    });
    expect(grantOf(userId)?.status).toBe('needs_reconnect');
  });

  it('when the refresh gets a 5xx, then 502 for that request and nothing stored changes', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    const before = grantOf(userId);
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'status', status: 503 });
    const res = await googleConnection(agent).expect(502);
    expect(res.body).toBe('Google answered with an error; try again.');
    expect(grantOf(userId)).toEqual(before);
    expect(s.h.emulator.calls('refresh')).toHaveLength(1); // no retry
    offset += SHARED_REFRESH_FAILURE_MS; // the failure is no longer shared
    await googleConnection(agent).expect(200); // the lease was released
  });

  it('when 20 requests need a refresh and Google answers 5xx, then one refresh call and all 20 get 502; a few seconds later, a new one', async () => {
    const { agent } = await signedIn('alice@example.com');
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'status', status: 503 }, { times: 20 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => googleConnection(agent)));
    expect(responses.map((r) => r.status)).toEqual(Array<number>(20).fill(502));
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
    // Shared for a short while only: then the next request asks Google again.
    offset += SHARED_REFRESH_FAILURE_MS / 2;
    await googleConnection(agent).expect(502);
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
    offset += SHARED_REFRESH_FAILURE_MS / 2;
    await googleConnection(agent).expect(502);
    expect(s.h.emulator.calls('refresh')).toHaveLength(2);
    s.h.emulator.clearFaults();
  });

  it('when 20 requests need a refresh and Google does not answer, then one refresh call and all 20 get 504', async () => {
    const { agent } = await signedIn('alice@example.com');
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'hang' }, { times: 20 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => googleConnection(agent)));
    expect(responses.map((r) => r.status)).toEqual(Array<number>(20).fill(504));
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
    s.h.emulator.clearFaults();
  });

  it('when a sign-in replaces the refresh token after a failed refresh, then the failure is not shared with the new grant', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'status', status: 503 });
    await googleConnection(agent).expect(502);
    const failedWith = refreshTokenOf(userId);
    offset = 0; // google-auth-library checks the new ID token's iat against the real clock
    await forgetGrantAtEmulator('alice@example.com');
    const otherDevice = s.h.client();
    await signInOk(s.h, otherDevice, 'alice@example.com'); // a first consent: a new grant
    expect(refreshTokenOf(userId)).not.toBe(failedWith);
    offset += HOUR_MS; // within SHARED_REFRESH_FAILURE_MS of the failure
    s.h.emulator.resetCalls();
    await googleConnection(otherDevice).expect(200);
    expect(s.h.emulator.calls('refresh')).toHaveLength(1);
  });

  it('when the refresh hangs, then 504 at the deadline and nothing stored changes', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    const before = grantOf(userId);
    offset += HOUR_MS;
    s.h.emulator.inject('refresh', { kind: 'hang' });
    await googleConnection(agent).expect(504);
    expect(grantOf(userId)).toEqual(before);
  });
});

describe('encryption at rest', () => {
  it('when the raw database files are read, then no token Google issued is in them', async () => {
    const users = await Promise.all(
      ['alice@example.com', 'bob@example.org'].map(async (email) => signedIn(email)),
    );
    offset += HOUR_MS;
    for (const { agent } of users) await googleConnection(agent).expect(200);
    const tokens = users.flatMap(({ userId }) => {
      const row = grantOf(userId);
      return [
        refreshTokenOf(userId),
        cipher.open(row?.access_token ?? '', { userId, column: 'access_token' }),
      ];
    });
    const base = s.h.config.database.kind === 'sqlite' ? s.h.config.database.path : '';
    const files = [base, `${base}-wal`, `${base}-shm`].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const raw = readFileSync(file).toString('latin1');
      for (const token of tokens) expect(raw.includes(token), `${token} in ${file}`).toBe(false);
      // Every emulator access token starts ya29., every refresh token 1//0.
      expect(raw).not.toMatch(/ya29\.|1\/\/0/);
    }
    expect(s.h.logs.join('\n')).not.toMatch(/ya29\.|1\/\/0/);
  });

  it('when ciphertexts are swapped between two users, then neither opens and Google is not called', async () => {
    const alice = await signedIn('alice@example.com');
    const bob = await signedIn('bob@example.org');
    const writer = new Database(
      s.h.config.database.kind === 'sqlite' ? s.h.config.database.path : '',
    );
    try {
      const a = grantOf(alice.userId);
      const b = grantOf(bob.userId);
      const swap = writer.prepare('UPDATE google_grants SET refresh_token = ? WHERE user_id = ?');
      swap.run(b?.refresh_token, alice.userId);
      swap.run(a?.refresh_token, bob.userId);
    } finally {
      writer.close();
    }
    offset += HOUR_MS;
    await googleConnection(alice.agent).expect(500);
    await googleConnection(bob.agent).expect(500);
    expect(s.h.emulator.calls('refresh')).toHaveLength(0);
  });
});

describe('disconnect and delete', () => {
  it('when a user disconnects, then the grant is revoked at Google once and deleted, and the session ends', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    const refreshToken = refreshTokenOf(userId);
    await agent.post('/gdisconnect').expect(200);
    expect(s.h.emulator.calls('revoke')).toHaveLength(1);
    expect(grantOf(userId)).toBeUndefined();
    await agent.get('/me').expect(401);
    const refresh = await refreshAt(s.h.emulator.url, refreshToken, CLIENT);
    expect(refresh.status).toBe(400); // the whole grant is gone at Google
  });

  it('when deletion is not confirmed, then 400 and nothing changes', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    await agent.post('/account/delete').type('form').send({}).expect(400);
    expect(grantOf(userId)).toBeDefined();
    expect(s.h.emulator.calls('revoke')).toHaveLength(0);
    await agent.get('/me').expect(200);
  });

  it('when a confirmed form deletes the account, then user, grant and every session of the user go, revoked once', async () => {
    const { agent, userId } = await signedIn('alice@example.com');
    const otherDevice = s.h.client();
    await signInOk(s.h, otherDevice, 'alice@example.com');
    const bob = await signedIn('bob@example.org');
    s.h.emulator.resetCalls();
    const res = await agent
      .post('/account/delete')
      .type('form')
      .set('Accept', 'text/html')
      .send({ confirm: 'yes' })
      .expect(303);
    expect(res.headers.location).toBe('/');
    expect(s.h.emulator.calls('revoke')).toHaveLength(1);
    expect(s.h.userRows().some((u) => u.id === userId)).toBe(false);
    expect(grantOf(userId)).toBeUndefined();
    const sessions = s.db.prepare('SELECT sess FROM sessions').all() as { sess: string }[];
    expect(
      sessions.filter(({ sess }) => (JSON.parse(sess) as { userId?: number }).userId === userId),
    ).toEqual([]);
    await agent.get('/me').expect(401);
    await otherDevice.get('/me').expect(401);
    await bob.agent.get('/me').expect(200);
  });

  it('when JSON deletes the account, then 200 JSON', async () => {
    const { agent, userId } = await signedIn('bob@example.org');
    const res = await agent
      .post('/account/delete')
      .set('Accept', 'application/json')
      .send({ confirm: true })
      .expect(200);
    expect(res.body).toEqual({ deleted: true });
    expect(grantOf(userId)).toBeUndefined();
  });
});

describe('requireSignIn', () => {
  it('when a browser is not signed in, then it is sent to sign in and brought back', async () => {
    const res = await s.h.client().get('/account').set('Accept', 'text/html').expect(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Faccount');
    const login = await s.h.client().get('/login?returnTo=%2Faccount').expect(200);
    expect(login.text).toContain('data-return-to="/account"');
  });

  it('when a JSON client is not signed in, then 401 Not signed in.', async () => {
    for (const path of ['/account', '/account/google']) {
      const res = await s.h.client().get(path).set('Accept', 'application/json').expect(401);
      expect(res.body).toEqual({ error: 'Not signed in.' });
    }
    await s.h.client().post('/account/delete').send({ confirm: true }).expect(401);
  });

  it('when signed in, then the account page shows the stored profile and the granted scopes', async () => {
    const { agent } = await signedIn('carol@example.com');
    const page = await agent.get('/account').expect(200);
    expect(page.text).toContain('Google ID');
    expect(page.text).toMatch(/verified by Google/);
    expect(page.text).toContain('See your primary Google Account email address');
    expect(page.text).toContain('data-status="connected"');
  });
});

describe('the redirect flow asks for offline access', () => {
  it('when an anonymous visitor starts it, then access_type=offline, incremental scopes, GOOGLE_SCOPES, and no forced consent', async () => {
    const res = await s.h.client().get('/auth/google').expect(302);
    const params = new URL(String(res.headers.location)).searchParams;
    expect(params.get('access_type')).toBe('offline');
    expect(params.get('include_granted_scopes')).toBe('true');
    expect(params.get('scope')).toBe(`openid email profile ${DRIVE}`);
    expect(params.get('prompt')).toBeNull();
  });

  it('when the signed-in user has a live refresh token, then no forced consent', async () => {
    const { agent } = await signedIn('alice@example.com');
    const res = await agent.get('/auth/google').expect(302);
    expect(new URL(String(res.headers.location)).searchParams.get('prompt')).toBeNull();
  });
});
