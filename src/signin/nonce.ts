import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { StateLedger } from '../storage/state-ledger.js';
import { invalidIdToken } from './invalid-id-token.js';
import { safeEqual, STATE_TTL_MS } from './state.js';

/** A nonce is good for as long as the login page's state. */
export const NONCE_TTL_MS = STATE_TTL_MS;

/** Keys for the nonce's MAC: the first signs, all verify (they follow SESSION_SECRET rotation). */
export interface NonceKeys {
  signing: Buffer;
  verifying: readonly Buffer[];
}

/** Longer than any nonce we issue; a longer one is refused before any work. */
const MAX_NONCE_LENGTH = 128;

/**
 * Derives the nonce keys from the session secrets, so every instance that shares the secrets
 * can verify a nonce another instance issued, with no table of pending nonces.
 */
export function deriveNonceKeys(sessionSecrets: readonly string[]): NonceKeys {
  const verifying = sessionSecrets.map((secret) =>
    createHmac('sha256', secret).update('gconnect id-token nonce v1').digest(),
  );
  const signing = verifying[0];
  if (!signing) throw new Error('deriveNonceKeys: at least one session secret is needed');
  return { signing, verifying };
}

/**
 * The MAC covers the nonce's body and a hash of the browser's binding cookie
 * (src/http/nonce-binding-cookie.ts): the nonce, and so the credential carrying it, is good
 * only with that cookie. The nonce itself does not show the hash.
 */
function mac(key: Buffer, body: string, binding: string): string {
  const bound = createHash('sha256').update(binding).digest('base64url');
  return createHmac('sha256', key).update(`${body}.${bound}`).digest('base64url');
}

/**
 * A nonce for the Google button and One Tap: 128 random bits and its expiry, under a MAC that
 * also covers the asking browser's binding cookie. The MAC proves we issued it, to that browser;
 * single use comes from claiming it in the shared ledger.
 */
export function issueNonce(keys: NonceKeys, nowMs: number, binding: string): string {
  const body = `${randomBytes(16).toString('base64url')}.${nowMs + NONCE_TTL_MS}`;
  return `${body}.${mac(keys.signing, body, binding)}`;
}

/**
 * Accepts the nonce of a verified ID token once: issued by us to the browser whose binding
 * cookie this request carries (MAC), not expired, and not claimed before by any instance. Every
 * failure is the same 401 "Invalid ID token."; a refusal for another browser uses nothing up.
 */
export async function claimNonce(
  keys: NonceKeys,
  nonce: unknown,
  nowMs: number,
  ledger: StateLedger,
  binding: string | undefined,
): Promise<void> {
  if (typeof nonce !== 'string' || nonce.length > MAX_NONCE_LENGTH) {
    throw invalidIdToken('no nonce');
  }
  const [random, expires, tag, extra] = nonce.split('.');
  if (!random || !expires || !tag || extra !== undefined || !/^\d{1,15}$/.test(expires)) {
    throw invalidIdToken('malformed nonce');
  }
  if (binding === undefined) throw invalidIdToken('no nonce binding cookie');
  const body = `${random}.${expires}`;
  if (!keys.verifying.some((key) => safeEqual(mac(key, body, binding), tag))) {
    throw invalidIdToken('nonce not issued by us to this browser');
  }
  const expiresAt = Number(expires);
  // A nonce from further ahead than one lifetime was not issued by this clock: refuse it too.
  if (nowMs >= expiresAt || expiresAt - nowMs > NONCE_TTL_MS) {
    throw invalidIdToken('nonce expired');
  }
  if (!(await ledger.claim(`nonce:${nonce}`, expiresAt))) throw invalidIdToken('nonce replayed');
}
