import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { CLIENT, OTHER_CLIENT } from '../support/client.js';
import {
  exchange,
  postForm,
  refreshAt,
  startEmulator,
  type TokenResponse,
} from '../support/emulator.js';

interface OfflineTokens extends TokenResponse {
  refresh_token?: string;
}

let emu: Emulator;
let now = Date.parse('2030-01-01T00:00:00Z');

beforeAll(async () => {
  emu = await startEmulator({ now: () => now, accessTokenLifetimeSeconds: 60 });
});
afterAll(() => emu.close());
afterEach(() => {
  emu.clearFaults();
  emu.resetCalls();
});

let nextAccount = 0;
/** An account that never consented to CLIENT: the grant earlier tests left is revoked first. */
async function freshAccount(): Promise<string> {
  const account = emu.accounts[nextAccount++ % emu.accounts.length];
  if (!account) throw new Error('no accounts');
  const tokens = await codeTokens(account.sub, { access_type: 'online' });
  await postForm(`${emu.url}/revoke`, { token: tokens.access_token });
  emu.resetCalls();
  return account.sub;
}

async function codeTokens(
  account: string,
  extra: { access_type?: 'online' | 'offline'; prompt?: string; scope?: string } = {},
  client = CLIENT,
): Promise<OfflineTokens> {
  const code = emu.issueCode({
    account,
    clientId: client.clientId,
    accessType: extra.access_type,
    prompt: extra.prompt,
    scope: extra.scope,
  });
  const res = await exchange(emu, code, {
    client_id: client.clientId,
    client_secret: client.clientSecret,
  });
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status}`);
  return (await res.json()) as OfflineTokens;
}

function refresh(refreshToken: string, client = CLIENT): Promise<Response> {
  return refreshAt(emu.url, refreshToken, client);
}

function userinfo(accessToken: string): Promise<Response> {
  return fetch(`${emu.url}/oauth2/v3/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

async function liveRefreshToken(account?: string): Promise<string> {
  account ??= await freshAccount();
  const tokens = await codeTokens(account, { prompt: 'consent' });
  if (!tokens.refresh_token) throw new Error('no refresh token');
  return tokens.refresh_token;
}

describe('refresh tokens', () => {
  it('when a user consents offline the first time, then a refresh token; the next exchange gets none', async () => {
    const account = await freshAccount();
    const first = await codeTokens(account);
    expect(first.refresh_token).toMatch(/^1\/\/0[A-Za-z0-9_-]{40,}$/);
    expect(first.expires_in).toBe(60);
    const second = await codeTokens(account);
    expect(second.refresh_token).toBeUndefined();
  });

  it('when prompt=consent, then a new refresh token, and the older one keeps working', async () => {
    const account = await freshAccount();
    const older = (await codeTokens(account)).refresh_token ?? '';
    const newer = (await codeTokens(account, { prompt: 'consent' })).refresh_token ?? '';
    expect(newer).not.toBe('');
    expect(newer).not.toBe(older);
    expect((await refresh(older)).status).toBe(200);
    expect((await refresh(newer)).status).toBe(200);
  });

  it('when access_type=online, then no refresh token even on first consent', async () => {
    const tokens = await codeTokens(await freshAccount(), {
      access_type: 'online',
      prompt: 'consent',
    });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('when refreshed, then a new access token that userinfo accepts, and no new refresh token', async () => {
    const refreshToken = await liveRefreshToken();
    const res = await refresh(refreshToken);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body.expires_in).toBe(60);
    expect((await userinfo(String(body.access_token))).status).toBe(200);
    expect(emu.calls('refresh')).toHaveLength(1);
    expect(emu.calls('token')).toHaveLength(1); // the code exchange only
  });

  it('when the access token passes its short lifetime, then userinfo refuses it and a refresh mends it', async () => {
    const tokens = await codeTokens(await freshAccount(), { prompt: 'consent' });
    now += 60_000;
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    const fresh = (await (await refresh(tokens.refresh_token ?? '')).json()) as TokenResponse;
    expect((await userinfo(fresh.access_token)).status).toBe(200);
  });

  it('when another client presents the refresh token, then invalid_grant', async () => {
    const res = await refresh(await liveRefreshToken(), OTHER_CLIENT);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
  });

  it('when scopes are asked for incrementally with include_granted_scopes, then the grant carries all', async () => {
    const account = await freshAccount();
    await codeTokens(account, { scope: 'openid email' });
    const code = emu.issueCode({
      account,
      clientId: CLIENT.clientId,
      scope: 'https://www.googleapis.com/auth/drive.file',
      includeGrantedScopes: true,
    });
    const tokens = (await (await exchange(emu, code)).json()) as OfflineTokens;
    expect(tokens.scope.split(' ').sort()).toEqual([
      'https://www.googleapis.com/auth/drive.file',
      'https://www.googleapis.com/auth/userinfo.email',
      'openid',
    ]);
  });
});

describe('revoking a grant', () => {
  it('when the access token is revoked, then the refresh token is dead too', async () => {
    const tokens = await codeTokens(await freshAccount(), { prompt: 'consent' });
    expect((await postForm(`${emu.url}/revoke`, { token: tokens.access_token })).status).toBe(200);
    expect((await refresh(tokens.refresh_token ?? '')).status).toBe(400);
  });

  it('when the refresh token is revoked, then every access token of the grant is dead, and the next consent gives a refresh token again', async () => {
    const account = await freshAccount();
    const tokens = await codeTokens(account, { prompt: 'consent' });
    const refreshed = (await (await refresh(tokens.refresh_token ?? '')).json()) as TokenResponse;
    expect(
      (await postForm(`${emu.url}/revoke`, { token: tokens.refresh_token ?? '' })).status,
    ).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    expect((await userinfo(refreshed.access_token)).status).toBe(401);
    expect((await codeTokens(account)).refresh_token).toBeDefined();
  });
});

describe('refresh faults on demand', () => {
  it('when invalidGrant is injected, then that refresh gets Google invalid_grant and the grant lives on', async () => {
    const refreshToken = await liveRefreshToken();
    emu.inject('refresh', { kind: 'invalidGrant' });
    const res = await refresh(refreshToken);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
    expect((await refresh(refreshToken)).status).toBe(200);
  });

  it('when refresh tokens expire (Testing status), then invalid_grant; a new consent gives a working one', async () => {
    const account = await freshAccount();
    const old = await liveRefreshToken(account);
    expect((await postForm(`${emu.url}/emulator/expire-refresh-tokens`, {})).status).toBe(204);
    const res = await refresh(old);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(await liveRefreshToken(account))).status).toBe(200);
  });

  it('when the refresh-token lifetime is set, then the token ends after it', async () => {
    const testing = await startEmulator({ now: () => now, refreshTokenLifetimeMs: 1000 });
    try {
      const code = testing.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
      const tokens = (await (await exchange(testing, code)).json()) as OfflineTokens;
      const again = () => refreshAt(testing.url, tokens.refresh_token ?? '');
      expect((await again()).status).toBe(200);
      now += 1000;
      expect((await again()).status).toBe(400);
    } finally {
      await testing.close();
    }
  });

  it('when a 503 is planned for the refresh call, then only a refresh gets it, not a code exchange', async () => {
    const refreshToken = await liveRefreshToken();
    const planned = await fetch(`${emu.url}/emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'refresh', fault: { kind: 'status', status: 503 } }),
    });
    expect(planned.status).toBe(201);
    await codeTokens(await freshAccount());
    expect((await refresh(refreshToken)).status).toBe(503);
    expect((await refresh(refreshToken)).status).toBe(200);
  });

  it('when a hang is planned for the refresh call, then the client meets its own deadline', async () => {
    const refreshToken = await liveRefreshToken();
    emu.inject('refresh', { kind: 'hang' });
    const res = await refreshAt(emu.url, refreshToken, CLIENT, AbortSignal.timeout(200)).then(
      () => 'answered',
      (err: unknown) => (err as Error).name,
    );
    expect(res).toBe('TimeoutError');
  });

  it('when invalidGrant is planned for a code exchange, then the control surface refuses it', async () => {
    const res = await fetch(`${emu.url}/emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'token', fault: { kind: 'invalidGrant' } }),
    });
    expect(res.status).toBe(400);
  });
});

describe('time-limited access and Testing status', () => {
  afterEach(() => {
    emu.clearTimeLimits();
    emu.setTestingStatus(false);
  });
  const control = (path: string, params: Record<string, string>) =>
    postForm(`${emu.url}/emulator/${path}`, params);

  it('when the next consent is time-limited, then the response says so and the refresh token ends then; the consent after is not', async () => {
    const account = await freshAccount();
    expect((await control('time-limited-access', { seconds: '600' })).status).toBe(204);
    const limited = await codeTokens(account, { prompt: 'consent' });
    expect(limited).toMatchObject({ refresh_token_expires_in: 600 });
    now += 300_000;
    const refreshed = (await (await refresh(limited.refresh_token ?? '')).json()) as object;
    expect(refreshed).toMatchObject({ refresh_token_expires_in: 300 });
    expect(refreshed).not.toHaveProperty('refresh_token');
    now += 300_000;
    expect((await refresh(limited.refresh_token ?? '')).status).toBe(400);
    const next = await codeTokens(account, { prompt: 'consent' });
    expect(next).not.toHaveProperty('refresh_token_expires_in');
    expect((await refresh(next.refresh_token ?? '')).status).toBe(200);
  });

  it("when an account's access is time-limited, then each of its consents is, under the name asked for", async () => {
    const account = await freshAccount();
    emu.limitAccess({ seconds: 120, account, field: 'refresh_token_timeout' });
    for (let i = 0; i < 2; i++) {
      const tokens = await codeTokens(account, { prompt: 'consent' });
      expect(tokens).toMatchObject({ refresh_token_timeout: 120 });
      expect(tokens).not.toHaveProperty('refresh_token_expires_in');
    }
  });

  it('when the client is in Testing status, then every refresh token lives 7 days and says so', async () => {
    const account = await freshAccount();
    const res = await control('testing-status', { client_id: CLIENT.clientId });
    expect(res.status).toBe(204);
    const tokens = await codeTokens(account, { prompt: 'consent' });
    expect(tokens).toMatchObject({ refresh_token_expires_in: 7 * 24 * 3600 });
    now += 7 * 24 * 3600 * 1000 - 1000;
    expect((await refresh(tokens.refresh_token ?? '')).status).toBe(200);
    now += 1000;
    expect((await refresh(tokens.refresh_token ?? '')).status).toBe(400);
  });

  it('when a knob is set with a bad value, then 400/404 and nothing changes', async () => {
    const account = await freshAccount();
    expect((await control('time-limited-access', { seconds: '0' })).status).toBe(400);
    expect((await control('time-limited-access', { seconds: 'x' })).status).toBe(400);
    const odd = { seconds: '60', field: 'expires' };
    expect((await control('time-limited-access', odd)).status).toBe(400);
    const nobody = { seconds: '60', account: 'nobody@example.com' };
    expect((await control('time-limited-access', nobody)).status).toBe(404);
    expect((await control('testing-status', { testing: 'maybe' })).status).toBe(400);
    expect((await control('testing-status', { client_id: 'unknown' })).status).toBe(400);
    const tokens = await codeTokens(account, { prompt: 'consent' });
    expect(tokens).not.toHaveProperty('refresh_token_expires_in');
  });
});
