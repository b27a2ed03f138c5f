import { createHash } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { CLIENT, OTHER_CLIENT } from '../support/client.js';
import {
  startEmulator,
  postForm,
  exchange,
  issueTokens,
  decodeJwt,
  fetchJwks,
  fetchPems,
  verifiesWithJwks,
  verifiesWithPem,
} from '../support/emulator.js';

const FULL_SCOPE =
  'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
afterEach(() => {
  emu.clearFaults();
  emu.resetCalls();
});

describe('token endpoint', () => {
  it('when a valid code is exchanged, then it answers Google-shaped tokens with a verifiable ID token', async () => {
    const code = emu.issueCode({
      account: 'alice@example.com',
      clientId: CLIENT.clientId,
      accessType: 'online', // no refresh token: see emulator-refresh.test.ts
    });
    const res = await exchange(emu, code);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'access_token',
      'expires_in',
      'scope',
      'token_type',
      'id_token',
    ]);
    expect(body).toMatchObject({ expires_in: 3599, scope: FULL_SCOPE, token_type: 'Bearer' });
    const accessToken = String(body.access_token);
    expect(accessToken).toMatch(/^ya29\.[A-Za-z0-9_-]{40,}$/);

    const idToken = String(body.id_token);
    const { header, payload } = decodeJwt(idToken);
    expect(header).toEqual({ alg: 'RS256', kid: emu.currentKid, typ: 'JWT' });
    const alice = emu.accounts.find((a) => a.email === 'alice@example.com');
    expect(payload).toMatchObject({
      iss: emu.url,
      azp: CLIENT.clientId,
      aud: CLIENT.clientId,
      sub: alice?.sub,
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      picture: `${emu.url}/avatars/${alice?.sub}.svg`,
    });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload).not.toHaveProperty('hd');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    const digest = createHash('sha256').update(accessToken).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
    expect(await verifiesWithJwks(emu, idToken)).toBe(true);
    expect(await verifiesWithPem(emu, idToken)).toBe(true);
  });

  it('when the code carries a nonce and the account has a hosted domain, then the ID token has both', async () => {
    const code = emu.issueCode({
      account: 'carol@example.com',
      clientId: CLIENT.clientId,
      nonce: 'n-123',
    });
    const { payload } = decodeJwt(
      String(((await (await exchange(emu, code)).json()) as { id_token: string }).id_token),
    );
    expect(payload).toMatchObject({
      nonce: 'n-123',
      hd: 'example.com',
      email: 'carol@example.com',
    });
  });

  it('when the client authenticates with HTTP Basic, then the exchange succeeds', async () => {
    const code = emu.issueCode({ account: 'bob@example.org', clientId: CLIENT.clientId });
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const res = await postForm(
      `${emu.url}/token`,
      { code, grant_type: 'authorization_code', redirect_uri: 'postmessage' },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(200);
  });

  it('when a code is used twice, then the second exchange is invalid_grant', async () => {
    const code = emu.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    expect((await exchange(emu, code)).status).toBe(200);
    const again = await exchange(emu, code);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Bad Request',
    });
  });

  it('when the redirect_uri differs from the one of the code, then invalid_grant, and the code is spent', async () => {
    const code = emu.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    const res = await exchange(emu, code, { redirect_uri: 'http://127.0.0.1:3000/callback' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await exchange(emu, code)).status).toBe(400);
  });

  it('when the client secret is wrong or the client unknown, then 401 invalid_client', async () => {
    const code = emu.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    const wrong = await exchange(emu, code, { client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: 'invalid_client',
      error_description: 'Unauthorized',
    });
    const unknown = await exchange(emu, code, { client_id: 'who.apps.googleusercontent.com' });
    expect(unknown.status).toBe(401);
    // A failed client authentication does not spend the code.
    expect((await exchange(emu, code)).status).toBe(200);
  });

  it('when the code was issued to another client, then invalid_grant', async () => {
    const code = emu.issueCode({ account: 'alice@example.com', clientId: OTHER_CLIENT.clientId });
    const res = await exchange(emu, code);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('when grant_type is neither authorization_code nor refresh_token, then unsupported_grant_type', async () => {
    const res = await exchange(emu, 'x', { grant_type: 'client_credentials' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('when the code is missing or unknown, then 400', async () => {
    const missing = await postForm(`${emu.url}/token`, {
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      grant_type: 'authorization_code',
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_request');
    const unknown = await exchange(emu, '4/0Aunknown');
    expect(((await unknown.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('when the PKCE S256 verifier is right, then 200; wrong or missing, then invalid_grant', async () => {
    const verifier = 'a'.repeat(43) + 'verifier';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const issue = () =>
      emu.issueCode({
        account: 'alice@example.com',
        clientId: CLIENT.clientId,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
      });
    expect((await exchange(emu, issue(), { code_verifier: verifier })).status).toBe(200);
    expect((await exchange(emu, issue(), { code_verifier: `${verifier}x` })).status).toBe(400);
    expect((await exchange(emu, issue())).status).toBe(400);
    // A wrong verifier spends the code: the right one afterwards fails too.
    const code = issue();
    expect((await exchange(emu, code, { code_verifier: 'wrong' })).status).toBe(400);
    expect((await exchange(emu, code, { code_verifier: verifier })).status).toBe(400);
  });

  it('when PKCE is plain, then the verifier must equal the challenge', async () => {
    const issue = () =>
      emu.issueCode({
        account: 'alice@example.com',
        clientId: CLIENT.clientId,
        codeChallenge: 'plain-challenge-value',
      });
    expect((await exchange(emu, issue(), { code_verifier: 'plain-challenge-value' })).status).toBe(
      200,
    );
    expect((await exchange(emu, issue(), { code_verifier: 'other' })).status).toBe(400);
  });

  it('when the body is not a form or JSON, or is too big, then 4xx', async () => {
    const badJson = await fetch(`${emu.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"code":',
    });
    expect(badJson.status).toBe(400);
    const big = await postForm(`${emu.url}/token`, { code: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    const xml = await fetch(`${emu.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    expect(xml.status).toBe(400);
  });

  it('when the token request is JSON, then it is accepted like a form', async () => {
    const code = emu.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    const res = await fetch(`${emu.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        grant_type: 'authorization_code',
        redirect_uri: 'postmessage',
      }),
    });
    expect(res.status).toBe(200);
  });
});

describe('codes and tokens over time', () => {
  let clockEmu: Emulator;
  let now = Date.parse('2030-01-01T00:00:00Z');
  beforeAll(async () => {
    clockEmu = await startEmulator({ now: () => now });
  });
  afterAll(() => clockEmu.close());

  it('when a code is older than 5 minutes, then invalid_grant', async () => {
    const code = clockEmu.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    now += 5 * 60 * 1000 + 1;
    const res = await exchange(clockEmu, code);
    expect(res.status).toBe(400);
  });

  it('when an access token is older than 3599 s, then tokeninfo and userinfo refuse it', async () => {
    const tokens = await issueTokens(clockEmu);
    const { payload } = decodeJwt(String(tokens.id_token));
    expect(payload.iat).toBe(Math.floor(now / 1000));
    const info = await fetch(`${clockEmu.url}/tokeninfo?access_token=${tokens.access_token}`);
    expect(((await info.json()) as { expires_in: string }).expires_in).toBe('3599');
    now += 3599 * 1000;
    expect(
      (await fetch(`${clockEmu.url}/tokeninfo?access_token=${tokens.access_token}`)).status,
    ).toBe(400);
    const user = await fetch(`${clockEmu.url}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(user.status).toBe(401);
  });
});

describe('tokeninfo, userinfo and revoke', () => {
  it('when tokeninfo is asked with GET ?access_token, then it describes the token', async () => {
    const tokens = await issueTokens(emu);
    const res = await fetch(
      `${emu.url}/tokeninfo?access_token=${encodeURIComponent(tokens.access_token)}`,
    );
    expect(res.status).toBe(200);
    const info = (await res.json()) as Record<string, string>;
    const alice = emu.accounts[0];
    expect(info).toMatchObject({
      azp: CLIENT.clientId,
      aud: CLIENT.clientId,
      sub: alice?.sub,
      scope: FULL_SCOPE,
      email: 'alice@example.com',
      email_verified: 'true',
      access_type: 'online',
    });
    expect(info.exp).toMatch(/^\d+$/);
    expect(Number(info.expires_in)).toBeGreaterThan(3590);
  });

  it('when tokeninfo is POSTed with a Bearer token, then it answers the same', async () => {
    const tokens = await issueTokens(emu, 'dave.unverified@example.net');
    const res = await fetch(`${emu.url}/tokeninfo`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      email: 'dave.unverified@example.net',
      email_verified: 'false',
    });
  });

  it('when tokeninfo gets an unknown token, then 400 invalid_token', async () => {
    const res = await fetch(`${emu.url}/tokeninfo?access_token=ya29.nope`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Invalid Value',
    });
    expect((await fetch(`${emu.url}/tokeninfo`)).status).toBe(400);
  });

  it('when tokeninfo gets an id_token, then it answers its claims after checking the signature', async () => {
    const tokens = await issueTokens(emu);
    const res = await fetch(`${emu.url}/tokeninfo?id_token=${tokens.id_token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      aud: CLIENT.clientId,
      email_verified: 'true',
      alg: 'RS256',
    });
    emu.inject('token', { kind: 'idToken', sign: 'flip-signature' });
    const forged = await issueTokens(emu);
    expect((await fetch(`${emu.url}/tokeninfo?id_token=${forged.id_token}`)).status).toBe(400);
  });

  it('when userinfo gets a valid Bearer token, then it answers the profile', async () => {
    const tokens = await issueTokens(emu, 'carol@example.com');
    const res = await fetch(`${emu.url}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(200);
    const carol = emu.accounts.find((a) => a.email === 'carol@example.com');
    expect(await res.json()).toEqual({
      sub: carol?.sub,
      name: 'Carol Workspace',
      given_name: 'Carol',
      family_name: 'Workspace',
      picture: carol?.picture,
      email: 'carol@example.com',
      email_verified: true,
      hd: 'example.com',
    });
  });

  it('when userinfo gets no or a bad token, then 401 with WWW-Authenticate', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer ya29.bad' },
      { authorization: 'Basic eDp5' },
    ];
    for (const headers of cases) {
      const res = await fetch(`${emu.url}/oauth2/v3/userinfo`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: 'Invalid Credentials',
      });
    }
  });

  it('when a token is revoked, then tokeninfo and userinfo refuse it and a second revoke fails', async () => {
    const tokens = await issueTokens(emu);
    const res = await fetch(`${emu.url}/revoke?token=${encodeURIComponent(tokens.access_token)}`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect((await fetch(`${emu.url}/tokeninfo?access_token=${tokens.access_token}`)).status).toBe(
      400,
    );
    const user = await fetch(`${emu.url}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(user.status).toBe(401);
    const again = await postForm(`${emu.url}/revoke`, { token: tokens.access_token });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token expired or revoked',
    });
  });

  it('when the token to revoke is in the form body, then it is revoked', async () => {
    const tokens = await issueTokens(emu);
    expect((await postForm(`${emu.url}/revoke`, { token: tokens.access_token })).status).toBe(200);
    expect((await fetch(`${emu.url}/tokeninfo?access_token=${tokens.access_token}`)).status).toBe(
      400,
    );
  });
});

describe('certs and discovery', () => {
  it('when certs are fetched, then both formats carry the current key and Cache-Control max-age', async () => {
    for (const path of ['/oauth2/v1/certs', '/oauth2/v3/certs']) {
      const res = await fetch(`${emu.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(
        'public, max-age=3600, must-revalidate, no-transform',
      );
      expect(res.headers.get('expires')).toBeTruthy();
    }
    const pems = await fetchPems(emu);
    expect(pems[emu.currentKid]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const jwks = await fetchJwks(emu);
    expect(jwks[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: emu.currentKid,
      e: 'AQAB',
    });
  });

  it('when certsMaxAgeSeconds is set, then certs advertise it', async () => {
    const short = await startEmulator({ certsMaxAgeSeconds: 5 });
    try {
      const res = await fetch(`${short.url}/oauth2/v3/certs`);
      expect(res.headers.get('cache-control')).toBe(
        'public, max-age=5, must-revalidate, no-transform',
      );
    } finally {
      await short.close();
    }
  });

  it('when the discovery document is fetched, then every URL is based on the emulator', async () => {
    const res = await fetch(`${emu.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: emu.url,
      authorization_endpoint: `${emu.url}/o/oauth2/v2/auth`,
      token_endpoint: `${emu.url}/token`,
      userinfo_endpoint: `${emu.url}/oauth2/v3/userinfo`,
      revocation_endpoint: `${emu.url}/revoke`,
      jwks_uri: `${emu.url}/oauth2/v3/certs`,
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['plain', 'S256'],
    });
  });

  it('when the key is rotated, then new tokens use the new kid and the old key stays published', async () => {
    const before = await issueTokens(emu);
    const oldKid = emu.currentKid;
    const newKid = await emu.rotateKey();
    expect(newKid).not.toBe(oldKid);
    expect(emu.currentKid).toBe(newKid);
    const after = await issueTokens(emu);
    expect(decodeJwt(String(after.id_token)).header.kid).toBe(newKid);
    expect(Object.keys(await fetchPems(emu))).toEqual([newKid, oldKid]);
    expect(await verifiesWithJwks(emu, String(before.id_token))).toBe(true);
    expect(await verifiesWithPem(emu, String(after.id_token))).toBe(true);

    const third = await emu.rotateKey({ keepOld: false });
    expect((await fetchJwks(emu)).map((k) => k.kid)).toEqual([third]);
    expect(await verifiesWithJwks(emu, String(after.id_token))).toBe(false);
  });
});

describe('routing', () => {
  it('when the path is unknown, then 404 JSON; a wrong method, then 405', async () => {
    const res = await fetch(`${emu.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found' });
    const get = await fetch(`${emu.url}/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('when requests arrive, then calls() lists them in order without tokens or codes', async () => {
    const tokens = await issueTokens(emu);
    await fetch(`${emu.url}/tokeninfo?access_token=${tokens.access_token}`);
    await fetch(`${emu.url}/oauth2/v3/certs`);
    const calls = emu.calls();
    expect(calls.map((c) => [c.endpoint, c.method, c.path])).toEqual([
      ['token', 'POST', '/token'],
      ['tokeninfo', 'GET', '/tokeninfo'],
      ['certs', 'GET', '/oauth2/v3/certs'],
    ]);
    expect(emu.calls('certs')).toHaveLength(1);
    expect(JSON.stringify(calls)).not.toContain(tokens.access_token);
    emu.resetCalls();
    expect(emu.calls()).toEqual([]);
  });

  it('when an avatar is requested, then an SVG with initials is served', async () => {
    const alice = emu.accounts[0];
    const res = await fetch(String(alice?.picture));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toContain('>AE</text>');
    expect((await fetch(`${emu.url}/avatars/123.svg`)).status).toBe(404);
  });
});

describe('google-auth-library against the emulator', () => {
  it('when OAuth2Client exchanges, verifies and inspects, then everything checks out', async () => {
    const url = emu.url;
    const client = new OAuth2Client({
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      endpoints: {
        oauth2TokenUrl: `${url}/token`,
        tokenInfoUrl: `${url}/tokeninfo`,
        oauth2RevokeUrl: `${url}/revoke`,
        oauth2FederatedSignonPemCertsUrl: `${url}/oauth2/v1/certs`,
        oauth2FederatedSignonJwkCertsUrl: `${url}/oauth2/v3/certs`,
        oauth2AuthBaseUrl: `${url}/o/oauth2/v2/auth`,
      },
      issuers: [url],
    });
    const code = emu.issueCode({ account: 'bob@example.org', clientId: CLIENT.clientId });
    const { tokens } = await client.getToken({ code, redirect_uri: 'postmessage' });
    expect(tokens.id_token).toBeTruthy();
    const ticket = await client.verifyIdToken({
      idToken: String(tokens.id_token),
      audience: CLIENT.clientId,
    });
    expect(ticket.getPayload()).toMatchObject({
      email: 'bob@example.org',
      iss: url,
      aud: CLIENT.clientId,
    });
    const info = await client.getTokenInfo(String(tokens.access_token));
    expect(info).toMatchObject({ aud: CLIENT.clientId, email: 'bob@example.org' });
    expect(info.scopes).toContain('openid');
    expect(info.sub).toBe(ticket.getUserId());
    await client.revokeToken(String(tokens.access_token));
    await expect(client.getTokenInfo(String(tokens.access_token))).rejects.toThrow();

    // A forged ID token is refused by the library.
    emu.inject('token', { kind: 'idToken', sign: 'none' });
    const forged = await client.getToken({
      code: emu.issueCode({ account: 'bob@example.org', clientId: CLIENT.clientId }),
      redirect_uri: 'postmessage',
    });
    await expect(
      client.verifyIdToken({ idToken: String(forged.tokens.id_token), audience: CLIENT.clientId }),
    ).rejects.toThrow();
  });
});
