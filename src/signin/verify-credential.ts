import type { GoogleClient } from '../google/google-client.js';
import type { IdTokenClaims } from '../google/types.js';
import { ID_TOKEN_CLOCK_SKEW_SECONDS } from '../google/id-token.js';
import type { StateLedger } from '../storage/state-ledger.js';
import { invalidIdToken } from './invalid-id-token.js';
import { claimNonce, type NonceKeys } from './nonce.js';

export interface VerifyCredentialDeps {
  google: GoogleClient;
  ledger: StateLedger;
  nonceKeys: NonceKeys;
  now: () => number;
}

/** Google's credentials are about 1.2 KB; anything far longer is not one. */
const MAX_CREDENTIAL_LENGTH = 3000;

/**
 * Verifies a credential of the Google button or One Tap (an ID token, no code exchange):
 * signature, `aud`, `azp`, `iss`, `exp`/`iat` as in the code flow (the same cached keys), then
 * `nbf`, our nonce (issued to this browser, single use) and the `jti` (single use), so a
 * credential signs in once, and only in the browser that asked for it.
 */
export async function verifyCredential(
  deps: VerifyCredentialDeps,
  credential: unknown,
  /** The request's nonce binding cookie (src/http/nonce-binding-cookie.ts), if it had one. */
  binding: string | undefined,
  /** The client IDs `aud` and `azp` may name; default: only the web client. */
  clients?: readonly string[],
): Promise<IdTokenClaims> {
  if (typeof credential !== 'string' || credential === '') throw invalidIdToken('no credential');
  if (credential.length > MAX_CREDENTIAL_LENGTH) throw invalidIdToken('credential too long');
  const claims = await deps.google.verifyIdToken(credential, clients ? { clients } : {});
  const nowMs = deps.now();
  if (typeof claims.nbf === 'number' && claims.nbf - ID_TOKEN_CLOCK_SKEW_SECONDS > nowMs / 1000) {
    throw invalidIdToken('not yet valid (nbf)');
  }
  // Claimed only once every other check passed, so a forged token cannot use up a nonce.
  await claimNonce(deps.nonceKeys, claims.nonce, nowMs, deps.ledger, binding);
  await claimJti(claims, deps.ledger);
  return claims;
}

/** A second use of the same credential is refused even if its nonce somehow were not. */
async function claimJti(claims: IdTokenClaims, ledger: StateLedger): Promise<void> {
  if (typeof claims.jti !== 'string' || claims.jti === '') return;
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const keepUntilMs = (exp + ID_TOKEN_CLOCK_SKEW_SECONDS) * 1000;
  if (!(await ledger.claim(`jti:${String(claims.iss)}:${claims.jti}`, keepUntilMs))) {
    throw invalidIdToken('credential replayed (jti)');
  }
}
