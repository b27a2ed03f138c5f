import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTokenKey, parseTokenKeys, type TokenKey } from '../../src/core/token-keys.js';
import {
  createTokenCipher,
  TokenCipherError,
  type TokenSlot,
} from '../../src/grants/token-cipher.js';

const key = (id: string): TokenKey => ({ id, key: randomBytes(32) });
const ALICE_REFRESH: TokenSlot = { userId: 1, column: 'refresh_token' };
const TOKEN = '1//0refresh-token-value';

describe('token cipher', () => {
  it('when a token is sealed, then the envelope names version and key, hides the token, and opens again', () => {
    const cipher = createTokenCipher([key('k1')]);
    const envelope = cipher.seal(TOKEN, ALICE_REFRESH);
    expect(envelope).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(envelope).not.toContain('refresh-token');
    expect(cipher.open(envelope, ALICE_REFRESH)).toBe(TOKEN);
    expect(cipher.seal(TOKEN, ALICE_REFRESH)).not.toBe(envelope); // a fresh IV each time
  });

  it('when keys rotate, then the new first key seals and the old one still opens', () => {
    const old = key('old');
    const sealedBefore = createTokenCipher([old]).seal(TOKEN, ALICE_REFRESH);
    const rotated = createTokenCipher([key('new'), old]);
    expect(rotated.open(sealedBefore, ALICE_REFRESH)).toBe(TOKEN);
    expect(rotated.keyIdOf(rotated.seal(TOKEN, ALICE_REFRESH))).toBe('new');
    expect(rotated.keyIdOf(sealedBefore)).toBe('old');
  });

  it('when the envelope names a key id the ring lacks, then it fails closed', () => {
    const sealed = createTokenCipher([key('gone')]).seal(TOKEN, ALICE_REFRESH);
    expect(() => createTokenCipher([key('k1')]).open(sealed, ALICE_REFRESH)).toThrow(
      /unknown key id "gone"/,
    );
  });

  it('when a ciphertext is moved to another user or column, then it does not open', () => {
    const cipher = createTokenCipher([key('k1')]);
    const sealed = cipher.seal(TOKEN, ALICE_REFRESH);
    expect(() => cipher.open(sealed, { userId: 2, column: 'refresh_token' })).toThrow(
      TokenCipherError,
    );
    expect(() => cipher.open(sealed, { userId: 1, column: 'access_token' })).toThrow(
      TokenCipherError,
    );
  });

  it('when any part is tampered with or relabelled with another key id, then it does not open', () => {
    const k1 = key('k1');
    const cipher = createTokenCipher([k1, { id: 'k2', key: k1.key }]);
    const parts = cipher.seal(TOKEN, ALICE_REFRESH).split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const index of [2, 3, 4]) {
      const tampered = parts.map((p, i) => (i === index ? flip(p) : p)).join('.');
      expect(() => cipher.open(tampered, ALICE_REFRESH)).toThrow(TokenCipherError);
    }
    const relabelled = ['v1', 'k2', ...parts.slice(2)].join('.');
    expect(() => cipher.open(relabelled, ALICE_REFRESH)).toThrow(TokenCipherError);
    expect(() => cipher.open(`v2.${parts.slice(1).join('.')}`, ALICE_REFRESH)).toThrow(
      /not a v1 envelope/,
    );
    expect(() => cipher.open('plain-token', ALICE_REFRESH)).toThrow(TokenCipherError);
  });
});

describe('TOKEN_ENCRYPTION_KEYS', () => {
  it('when well formed, then the ring keeps the order (first seals)', () => {
    const a = generateTokenKey('a');
    const b = generateTokenKey('b-2');
    const { keys, problems } = parseTokenKeys(` ${a} , ${b} `);
    expect(problems).toEqual([]);
    expect(keys.map((k) => k.id)).toEqual(['a', 'b-2']);
    expect(keys[0]?.key).toHaveLength(32);
  });

  it('when an entry is wrong, then each problem is named without quoting the key', () => {
    const short = Buffer.alloc(16).toString('base64');
    const good = generateTokenKey('k');
    const { problems } = parseTokenKeys(`k:${short},nocolon,bad.id:${short},${good},${good}`);
    expect(problems).toEqual([
      'TOKEN_ENCRYPTION_KEYS: key "k" must be 32 bytes, base64-encoded.',
      expect.stringContaining('entry 2 must be id:base64-key'),
      expect.stringContaining('entry 3 must be id:base64-key'),
      'TOKEN_ENCRYPTION_KEYS: key id "k" appears twice.',
    ]);
    expect(problems.join(' ')).not.toContain(short);
    expect(parseTokenKeys(' , ').problems).toEqual(['TOKEN_ENCRYPTION_KEYS: no key given.']);
  });
});
