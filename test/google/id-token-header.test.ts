import { describe, expect, it } from 'vitest';
import type { GoogleConfiguration } from '../../src/google/configuration.js';
import { verifyIdToken } from '../../src/google/id-token.js';

/** A configuration that fails the test if the check gets as far as Google's keys. */
const unreachable = new Proxy({} as GoogleConfiguration, {
  get() {
    throw new Error('the header check should have refused the token first');
  },
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Why verifyIdToken refused `token` (the log's reason), after checking the public error. */
async function reasonOf(token: string): Promise<string> {
  const err = await verifyIdToken(unreachable, token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({
    status: 401,
    publicMessage: 'Invalid ID token.',
    code: 'invalid_id_token',
  });
  return ((err as Error).cause as Error).message;
}

describe('the ID token header, checked before any key is fetched', () => {
  it('when the token does not have three parts, then refused as not a JWT', async () => {
    expect(await reasonOf('a.b')).toBe('not a JWT');
    expect(await reasonOf('a.b.c.d')).toBe('not a JWT');
  });

  it('when the header is not base64url JSON with an alg, then refused as unreadable', async () => {
    expect(await reasonOf('%%%.e30.sig')).toBe('unreadable JWT header');
    expect(await reasonOf(`${b64({ kid: 'k' })}.e30.sig`)).toBe('unreadable JWT header');
  });

  it('when the header names another algorithm (none, HS256), then refused before the keys', async () => {
    expect(await reasonOf(`${b64({ alg: 'none' })}.e30.`)).toBe('alg is not RS256');
    expect(await reasonOf(`${b64({ alg: 'HS256', kid: 'k' })}.e30.sig`)).toBe('alg is not RS256');
  });
});
