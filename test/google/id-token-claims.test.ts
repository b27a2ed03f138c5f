import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import type { GoogleConfiguration } from '../../src/google/configuration.js';
import { verifyIdToken } from '../../src/google/id-token.js';

/**
 * verifyIdToken against keys made here, through google-auth-library's real check: which
 * tokens pass, and the reason (for the log) each refusal gives.
 */
const CLIENT_ID = 'client-1.apps.googleusercontent.com';
const ISSUER = 'https://accounts.example';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = { kid: 'k1' }) {
  const body = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(claims)}`;
  const signature = createSign('RSA-SHA256').update(body).sign(privateKey, 'base64url');
  return `${body}.${signature}`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: CLIENT_ID,
    sub: '1001',
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

function configWith(keys: Record<string, KeyObject>): GoogleConfiguration {
  return {
    clientId: CLIENT_ID,
    endpoints: { issuers: [ISSUER] },
    oauth: new OAuth2Client({ clientId: CLIENT_ID }),
    keys: { keysFor: () => Promise.resolve(keys) },
    logger: undefined,
  } as unknown as GoogleConfiguration;
}

const oneKey = configWith({ k1: publicKey });

async function reasonOf(
  token: string,
  config = oneKey,
  expected: { nonce?: string } = {},
): Promise<string> {
  const err = await verifyIdToken(config, token, expected).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ status: 401, code: 'invalid_id_token' });
  return ((err as Error).cause as Error).message;
}

describe('the ID token claims beyond the signature', () => {
  it('when the token is right, then its claims come back; azp and nonce may be absent when none is expected', async () => {
    expect(await verifyIdToken(oneKey, sign(claims()))).toMatchObject({ sub: '1001' });
    const withAzp = sign(claims({ azp: CLIENT_ID, nonce: 'n1' }));
    expect(await verifyIdToken(oneKey, withAzp, { nonce: 'n1' })).toMatchObject({ azp: CLIENT_ID });
  });

  it('when sub is missing or empty, then refused: no sub', async () => {
    expect(await reasonOf(sign(claims({ sub: undefined })))).toBe('no sub');
    expect(await reasonOf(sign(claims({ sub: '' })))).toBe('no sub');
    expect(await reasonOf(sign(claims({ sub: 1001 })))).toBe('no sub');
  });

  it('when azp names another client, then refused', async () => {
    expect(await reasonOf(sign(claims({ azp: 'other-client' })))).toBe('azp is not our client');
  });

  it('when a nonce is expected and the token has another or none, then refused', async () => {
    expect(await reasonOf(sign(claims({ nonce: 'n2' })), oneKey, { nonce: 'n1' })).toBe(
      'nonce mismatch',
    );
    expect(await reasonOf(sign(claims()), oneKey, { nonce: 'n1' })).toBe('nonce mismatch');
  });

  it("when the library refuses the token, then the reason is its message's first part, never the token", async () => {
    const reason = await reasonOf(sign(claims({ aud: 'someone-else' })));
    expect(reason).toBe('Wrong recipient, payload audience != requiredAudience');
    expect(await reasonOf(sign(claims({ iss: 'https://evil.example' })))).toMatch(
      /^Invalid issuer, expected one of \[/,
    );
  });
});

describe('which key checks the signature', () => {
  it('when the kid is not among the keys (or is an Object member), then refused: unknown kid', async () => {
    expect(await reasonOf(sign(claims(), { kid: 'k9' }))).toBe('unknown kid');
    expect(await reasonOf(sign(claims(), { kid: 'constructor' }))).toBe('unknown kid');
  });

  it('when the kid names a key that did not sign it, then refused as a bad signature', async () => {
    const config = configWith({ k1: other, k2: publicKey });
    expect(await reasonOf(sign(claims()), config)).toBe('Invalid token signature');
  });

  it('when there is no kid and one key, then that key checks it', async () => {
    const token = sign(claims(), {});
    expect(await verifyIdToken(configWith({ only: publicKey }), token)).toMatchObject({
      sub: '1001',
    });
  });

  it('when there is no kid and several keys (or none), then refused', async () => {
    const token = sign(claims(), {});
    expect(await reasonOf(token, configWith({ a: publicKey, b: other }))).toBe(
      'no kid and several keys',
    );
    expect(await reasonOf(token, configWith({}))).toBe('no kid and several keys');
  });
});
