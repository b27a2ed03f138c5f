import type { RefreshTokenMacs } from './refresh-token-macs.js';

export type GrantStatus = 'connected' | 'needs_reconnect';

/** A user's Google grant as stored: the tokens are sealed envelopes, never plaintext. */
export interface StoredGrant {
  userId: number;
  refreshToken: string | null;
  accessToken: string | null;
  /** ms since the epoch. */
  accessTokenExpiresAt: number | null;
  /** Space-separated, exactly as Google returned it. */
  scope: string;
  /** Space-separated: every scope the authorization requests asked for, accumulated. */
  requestedScope: string;
  status: GrantStatus;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  refreshedAt: string | null;
  /** ms since the epoch when the refresh token stops working (time-limited access); null: no end. */
  accessEndsAt: number | null;
  /**
   * ms since the epoch when that refresh token was issued (set with accessEndsAt); null without an
   * end, or in a row stored before migration step 11.
   */
  accessStartsAt: number | null;
}

/** What a code exchange brings: a sealed access token, maybe a sealed refresh token. */
export interface GrantFromSignIn {
  refreshToken: string | null;
  accessToken: string;
  accessTokenExpiresAt: number;
  scope: string;
  /**
   * Space-separated: what this request asked for, added to what the row asked for before (a
   * request already recorded is not added twice; readers drop repeated scopes). Default ''.
   */
  requestedScope?: string;
  /** Keyed hashes of the refresh token's Google identifiers (Cross-Account Protection). */
  refreshTokenMacs?: RefreshTokenMacs | null;
  /** The new refresh token's end (ms) or null; ignored without a new refresh token. */
  accessEndsAt?: number | null;
  /** When the new refresh token was issued (ms), null without an end; ignored like accessEndsAt. */
  accessStartsAt?: number | null;
}

export interface RefreshedGrant {
  accessToken: string;
  accessTokenExpiresAt: number;
  /** A newer refresh token, when Google sent one; null keeps the stored one. */
  refreshToken: string | null;
  /** null keeps the stored scope. */
  scope: string | null;
  /** The new refresh token's keyed identifier hashes; null keeps the stored ones. */
  refreshTokenMacs?: RefreshTokenMacs | null;
  /** The sealed refresh token the refresh used (see saveRefreshed). */
  refreshedWith: string;
  /** The new refresh token's end (ms) or null; ignored without a new refresh token. */
  accessEndsAt?: number | null;
  /** When the new refresh token was issued (ms), null without an end; ignored like accessEndsAt. */
  accessStartsAt?: number | null;
}

export interface SealedTokens {
  refreshToken: string | null;
  accessToken: string | null;
  /** The refresh token's keyed identifier hashes (token-revoked events are matched against them). */
  refreshTokenMacs: RefreshTokenMacs | null;
}

/** What a replacement checks is still stored: the envelopes (the hashes follow the refresh token). */
export type SealedEnvelopes = Pick<SealedTokens, 'refreshToken' | 'accessToken'>;

export interface GrantStore {
  /**
   * Stores the grant of a sign-in. A new refresh token replaces the stored one (the older one is
   * not revoked: a revoke would end the whole grant) and makes the grant connected again; without
   * one the stored refresh token and status stay.
   */
  saveFromSignIn(userId: number, grant: GrantFromSignIn, now: Date): Promise<void>;
  find(userId: number): Promise<StoredGrant | undefined>;
  /** Takes the user's refresh lease until `untilMs`; false while another request holds it. */
  claimRefreshLease(userId: number, nowMs: number, untilMs: number): Promise<boolean>;
  releaseRefreshLease(userId: number): Promise<void>;
  /**
   * Stores a refresh's result and releases the lease, only while the grant still holds the
   * refresh token it was made with: a grant a sign-in replaced during the call to Google keeps
   * its own tokens (the lease then just runs out).
   */
  saveRefreshed(userId: number, grant: RefreshedGrant, now: Date): Promise<void>;
  /**
   * Google refused the refresh token `refreshedWith` (sealed): the user must reconnect. Releases
   * the lease. Like saveRefreshed, a grant holding another refresh token by now is left alone.
   */
  markNeedsReconnect(
    userId: number,
    reason: string,
    now: Date,
    refreshedWith: string,
  ): Promise<void>;
  delete(userId: number): Promise<boolean>;
  /**
   * Deletes the grant unless it was written after `at`, in one statement: a grant stored in the
   * meantime (a sign-in right after Google revoked the tokens) stays. True when one was deleted.
   */
  deleteUnlessWrittenAfter(userId: number, at: Date): Promise<boolean>;
  /**
   * Deletes the grant whose refresh token has one of these keyed identifier hashes (a
   * `token-revoked` event); returns its user, or undefined when no grant matched.
   */
  deleteByRefreshTokenMac(macs: readonly string[]): Promise<number | undefined>;
  /** Every row's sealed tokens and identifier hashes (key rotation). */
  listSealed(): Promise<(SealedTokens & { userId: number })[]>;
  /**
   * Replaces a row's sealed tokens and identifier hashes only if its envelopes are still
   * `before` (a refresh may have won).
   */
  replaceSealed(userId: number, before: SealedEnvelopes, after: SealedTokens): Promise<boolean>;
}

/** A google_grants row's sealed values, as either engine returns them. */
export interface SealedRow {
  user_id: number | string;
  refresh_token: string | null;
  access_token: string | null;
  refresh_prefix_mac: string | null;
  refresh_hash_mac: string | null;
}

export function toSealed(r: SealedRow): SealedTokens & { userId: number } {
  const macs =
    r.refresh_prefix_mac !== null && r.refresh_hash_mac !== null
      ? { prefix: r.refresh_prefix_mac, hash: r.refresh_hash_mac }
      : null;
  return {
    userId: Number(r.user_id),
    refreshToken: r.refresh_token,
    accessToken: r.access_token,
    refreshTokenMacs: macs,
  };
}

/** The keyed identifier hashes as statement parameters (null when there is no new refresh token). */
export function macParams(macs: RefreshTokenMacs | null | undefined): {
  prefixMac: string | null;
  hashMac: string | null;
} {
  return { prefixMac: macs?.prefix ?? null, hashMac: macs?.hash ?? null };
}
