import { createHash } from 'node:crypto';

/** What Cross-Account Protection told us about one user's Google account. */
export interface AccountSecurity {
  /** Sessions signed in at or before this instant (ms) are over (`sessions-revoked` & co). */
  sessionsRevokedAt: number | null;
  /** Google asked the user to change their credentials (`account-credential-change-required`). */
  credentialChangeRequiredAt: number | null;
}

export interface AccountSecurityStore {
  /** Our user for Google's `sub` (the subject of a security event), if we have one. */
  findUserId(googleSub: string): Promise<number | undefined>;
  get(userId: number): Promise<AccountSecurity | undefined>;
  /** Ends every session signed in at or before `atMs`: one write, whatever the number of sessions. */
  revokeSessions(userId: number, atMs: number): Promise<void>;
  /**
   * Records Google's `account-disabled` (a reason) or `account-enabled` (null) for the account
   * with this `sub`, whether or not we have a user for it, unless a signal Google issued later
   * was applied already (`issuedAtMs`: the token's `iat`; one of the same second is applied).
   * Kept by `sub`, beyond the user row: deleting the account does not lift the refusal.
   * True when applied.
   */
  setSignInState(googleSub: string, reason: string | null, issuedAtMs: number): Promise<boolean>;
  /** Why Google reported this account disabled, while it does: Google sign-in is refused. */
  signInDisabledReason(googleSub: string): Promise<string | undefined>;
  /** Keeps the latest instant, whatever order the events arrive in. */
  flagCredentialChange(userId: number, atMs: number): Promise<void>;
}

/**
 * Remembers the `jti` of every Security Event Token acted on, so a replay does nothing twice.
 * Claimed before acting; released when acting failed, so Google's retry is not mistaken for one.
 */
export interface SecurityEventLedger {
  claim(jti: string, expiresAtMs: number): Promise<boolean>;
  release(jti: string): Promise<void>;
  prune(nowMs: number): Promise<void>;
}

export function jtiHash(jti: string): string {
  return createHash('sha256').update(jti).digest('base64url');
}
