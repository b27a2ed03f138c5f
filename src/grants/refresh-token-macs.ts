import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { TokenKey } from '../core/token-keys.js';
import type { RefreshTokenMacs } from '../storage/refresh-token-macs.js';

// Re-exported: the grants' callers name the MACs with the macer that makes them.
export type { RefreshTokenMacs };

/** How Cross-Account Protection names a refresh token in a `token-revoked` event. */
export type TokenIdentifierAlg = 'prefix' | 'hash_base64_sha512_sha512';

export interface RefreshTokenMacer {
  /** The keyed hashes to store for a refresh token (under the ring's first key). */
  macsOf(refreshToken: string): RefreshTokenMacs;
  /** What an event's identifier hashes to under every key of the ring (rotation keeps old ones). */
  candidates(alg: TokenIdentifierAlg, identifier: string): string[];
}

/** Google's identifiers of a token: its first 16 characters, or base64(SHA-512(SHA-512(token))). */
export function googleIdentifier(alg: TokenIdentifierAlg, token: string): string {
  if (alg === 'prefix') return token.slice(0, 16);
  const inner = createHash('sha512').update(token).digest();
  return createHash('sha512').update(inner).digest('base64');
}

/**
 * MAC keys derived (HKDF) from the token encryption keys, so there is no second secret to
 * configure, and the derived key is never the key that seals tokens.
 */
export function createRefreshTokenMacer(keys: readonly TokenKey[]): RefreshTokenMacer {
  const macKeys = keys.map((k) =>
    Buffer.from(hkdfSync('sha256', k.key, '', 'gconnect refresh token identifiers', 32)),
  );
  const mac = (key: Buffer, alg: TokenIdentifierAlg, identifier: string) =>
    createHmac('sha256', key).update(`${alg}:${identifier}`).digest('base64url');
  const first = macKeys[0];
  if (!first) throw new Error('createRefreshTokenMacer: no key');
  return {
    macsOf: (token) => ({
      prefix: mac(first, 'prefix', googleIdentifier('prefix', token)),
      hash: mac(
        first,
        'hash_base64_sha512_sha512',
        googleIdentifier('hash_base64_sha512_sha512', token),
      ),
    }),
    candidates: (alg, identifier) => macKeys.map((k) => mac(k, alg, identifier)),
  };
}
