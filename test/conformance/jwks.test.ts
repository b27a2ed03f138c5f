/**
 * Reading Google's JWK Set (RFC 7517 §4-5, RFC 7518 §3.3): which entries may ever verify an
 * ID token. The end-to-end cases are in signing-keys.test.ts; these pin the selection rules.
 */
import { generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signingKeysFromJwks } from '../../src/google/jwks.js';

const rsa = (bits: number) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });

describe('signingKeysFromJwks', () => {
  const good = { ...rsa(2048), kid: 'good', use: 'sig', alg: 'RS256' };

  it('when a key is an RSA signing key of 2048 bits, then it is kept as a public KeyObject under its kid', () => {
    const keys = signingKeysFromJwks({ keys: [good] });
    expect(Object.keys(keys ?? {})).toEqual(['good']);
    expect(keys?.good).toBeInstanceOf(KeyObject);
    expect(keys?.good?.type).toBe('public');
  });

  it('when a key is kept, then it verifies exactly what its JWK verifies', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const data = Buffer.from('header.payload');
    const signature = sign('sha256', data, privateKey);
    const key = signingKeysFromJwks({
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k' }],
    })?.k;
    expect(key && verify('sha256', data, key, signature)).toBe(true);
    expect(key && verify('sha256', Buffer.from('header.other'), key, signature)).toBe(false);
  });

  it('when use and alg are absent, then the RSA key is still a signing key', () => {
    const bare: Record<string, unknown> = { ...good };
    delete bare.use;
    delete bare.alg;
    expect(Object.keys(signingKeysFromJwks({ keys: [bare] }) ?? {})).toEqual(['good']);
  });

  it('RFC 7518 §3.3: when an RSA key is shorter than 2048 bits, then it is ignored', () => {
    expect(signingKeysFromJwks({ keys: [{ ...rsa(1024), kid: 'short' }] })).toEqual({});
  });

  it('when a key is for encryption, for another algorithm or has no kid, then it is ignored', () => {
    const keys = signingKeysFromJwks({
      keys: [
        { ...good, kid: 'enc', use: 'enc' },
        { ...good, kid: 'ps', alg: 'PS256' },
        { ...good, kid: undefined },
        { ...good, kid: '' },
      ],
    });
    expect(keys).toEqual({});
  });

  it('when two keys share a kid, then the first stands', () => {
    const other = { ...rsa(2048), kid: 'good' };
    const keys = signingKeysFromJwks({ keys: [good, other] });
    const first = signingKeysFromJwks({ keys: [good] })?.good;
    expect(first && keys?.good?.equals(first)).toBe(true);
  });

  it('when a kid is "__proto__", then the map stays a plain lookup (no prototype to pollute)', () => {
    const keys = signingKeysFromJwks({ keys: [{ ...good, kid: '__proto__' }] }) ?? {};
    expect(Object.getPrototypeOf(keys)).toBeNull();
    expect(keys['__proto__']).toBeInstanceOf(KeyObject);
  });

  it('when the document is not a JWK Set, then undefined', () => {
    for (const doc of [null, 'keys', [], { keys: 'x' }, { kid: 'pem-map' }]) {
      expect(signingKeysFromJwks(doc)).toBeUndefined();
    }
  });
});
