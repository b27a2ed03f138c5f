import type { GrantStore, SealedTokens } from '../storage/grant-store.js';
import type { TokenCipher, TokenSlot } from './token-cipher.js';

export interface RotationResult {
  /** Rows re-sealed under the current key. */
  resealed: number;
  /** Rows already entirely under the current key. */
  current: number;
}

/** A refresh racing with the rotation re-seals under the current key itself; a few tries suffice. */
const MAX_ATTEMPTS = 3;

/**
 * Re-seals every stored token under the ring's current (first) key, so old keys can then be
 * dropped from TOKEN_ENCRYPTION_KEYS. Each row is replaced only if it still holds what was read
 * (a concurrent refresh wins and is read again). A token no key opens stops the rotation.
 */
export async function rotateTokenKeys(
  store: GrantStore,
  cipher: TokenCipher,
): Promise<RotationResult> {
  const result: RotationResult = { resealed: 0, current: 0 };
  for (const row of await store.listSealed()) {
    let sealed: SealedTokens | undefined = row;
    for (let attempt = 1; sealed && attempt <= MAX_ATTEMPTS; attempt++) {
      if (isCurrent(cipher, sealed)) {
        result.current += 1;
        break;
      }
      const after = reseal(cipher, row.userId, sealed);
      if (await store.replaceSealed(row.userId, sealed, after)) {
        result.resealed += 1;
        break;
      }
      if (attempt === MAX_ATTEMPTS) {
        throw new Error(`user ${row.userId}: the grant kept changing; run the rotation again`);
      }
      sealed = await store.find(row.userId); // gone (deleted meanwhile) ends the loop
    }
  }
  return result;
}

function isCurrent(cipher: TokenCipher, sealed: SealedTokens): boolean {
  return [sealed.refreshToken, sealed.accessToken].every(
    (envelope) => envelope === null || cipher.keyIdOf(envelope) === cipher.currentKeyId,
  );
}

function reseal(cipher: TokenCipher, userId: number, sealed: SealedTokens): SealedTokens {
  const again = (envelope: string | null, column: TokenSlot['column']) =>
    envelope === null
      ? null
      : cipher.seal(cipher.open(envelope, { userId, column }), { userId, column });
  return {
    refreshToken: again(sealed.refreshToken, 'refresh_token'),
    accessToken: again(sealed.accessToken, 'access_token'),
  };
}
