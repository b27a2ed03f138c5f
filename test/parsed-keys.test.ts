import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ParsedKeys } from '../src/google/parsed-keys.js';

const pemOf = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

describe('ParsedKeys', () => {
  it('when a PEM is asked for twice, then it is parsed once', () => {
    const keys = new ParsedKeys();
    const pem = pemOf();
    expect(keys.get(pem)).toBe(keys.get(pem));
  });

  it('when a key is parsed, then it verifies exactly what the PEM verifies', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const data = Buffer.from('header.payload');
    const signature = sign('sha256', data, privateKey);
    const key = new ParsedKeys().get(pem);
    expect(verify('sha256', data, key, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('header.other'), key, signature)).toBe(false);
  });

  it('when more keys than its bound were seen, then it forgets the old ones', () => {
    const keys = new ParsedKeys(2);
    const [a, b, c] = [pemOf(), pemOf(), pemOf()];
    const first = keys.get(a);
    keys.get(b);
    keys.get(c);
    expect(keys.get(a)).not.toBe(first);
  });

  it('when the PEM is not a public key, then it throws', () => {
    expect(() => new ParsedKeys().get('not a key')).toThrow();
  });
});
