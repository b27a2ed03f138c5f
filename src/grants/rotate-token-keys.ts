import type { GrantStore, SealedTokens } from '../storage/grant-store.js';
import type { RefreshTokenMacer } from './refresh-token-macs.js';
import type { TokenCipher, TokenSlot } from './token-cipher.js';

export interface RotationResult {
  /** Rows re-sealed (or re-keyed) under the current key. */
  resealed: number;
  /** Rows already entirely under the current key. */
  current: number;
}

/** A refresh racing with the rotation re-seals under the current key itself; a few tries suffice. */
const MAX_ATTEMPTS = 3;

type SealedRow = SealedTokens & { userId: number };

/**
 * Re-seals every stored token under the ring's current (first) key, and recomputes the refresh
 * token's identifier hashes under the MAC key derived from it, so old keys can then be dropped
 * from TOKEN_ENCRYPTION_KEYS: a `token-revoked` event is matched against those hashes, and one
 * left under a dropped key would match nothing. Each row is replaced only if it still holds what
 * was read (a concurrent refresh wins and is read again). A token no key opens stops the rotation.
 */
export async function rotateTokenKeys(
  store: GrantStore,
  cipher: TokenCipher,
  macer: RefreshTokenMacer,
): Promise<RotationResult> {
  const result: RotationResult = { resealed: 0, current: 0 };
  for (const row of await store.listSealed()) {
    let sealed: SealedRow | undefined = row;
    for (let attempt = 1; sealed && attempt <= MAX_ATTEMPTS; attempt++) {
      if (isCurrent(cipher, macer, sealed)) {
        result.current += 1;
        break;
      }
      const after = reseal(cipher, macer, sealed);
      if (await store.replaceSealed(row.userId, sealed, after)) {
        result.resealed += 1;
        break;
      }
      if (attempt === MAX_ATTEMPTS) {
        throw new Error(`user ${row.userId}: the grant kept changing; run the rotation again`);
      }
      // Rare (a refresh raced this row): read it again; gone (deleted meanwhile) ends the loop.
      sealed = (await store.listSealed()).find((r) => r.userId === row.userId);
    }
  }
  return result;
}

function isCurrent(cipher: TokenCipher, macer: RefreshTokenMacer, sealed: SealedRow): boolean {
  const envelopesCurrent = [sealed.refreshToken, sealed.accessToken].every(
    (envelope) => envelope === null || cipher.keyIdOf(envelope) === cipher.currentKeyId,
  );
  if (!envelopesCurrent) return false;
  const expected = macsUnderCurrentKey(cipher, macer, sealed);
  return (
    expected?.prefix === sealed.refreshTokenMacs?.prefix &&
    expected?.hash === sealed.refreshTokenMacs?.hash
  );
}

function macsUnderCurrentKey(cipher: TokenCipher, macer: RefreshTokenMacer, sealed: SealedRow) {
  if (sealed.refreshToken === null) return null;
  const slot = { userId: sealed.userId, column: 'refresh_token' } as const;
  return macer.macsOf(cipher.open(sealed.refreshToken, slot));
}

function reseal(cipher: TokenCipher, macer: RefreshTokenMacer, sealed: SealedRow): SealedTokens {
  const again = (envelope: string | null, column: TokenSlot['column']) => {
    if (envelope === null) return null;
    const slot = { userId: sealed.userId, column };
    return cipher.keyIdOf(envelope) === cipher.currentKeyId
      ? envelope
      : cipher.seal(cipher.open(envelope, slot), slot);
  };
  return {
    refreshToken: again(sealed.refreshToken, 'refresh_token'),
    accessToken: again(sealed.accessToken, 'access_token'),
    refreshTokenMacs: macsUnderCurrentKey(cipher, macer, sealed),
  };
}
