import type { StoredGrant } from '../storage/grant-store.js';

/**
 * Time-limited access: a user may grant Google access for a while only, and the refresh token
 * then stops working at its end (`refresh_token_expires_in`).
 */

const DAY_MS = 24 * 3600 * 1000;
/** Time-limited access ending within this long asks for renewal (and a consent that gives it). */
export const RENEWAL_WINDOW_MS = 7 * DAY_MS;
/** How long a Testing-status app's refresh tokens live: the shortest end Google sets by itself. */
export const TESTING_LIFETIME_MS = 7 * DAY_MS;

/**
 * How long before its end the account page offers "Renew access": the last RENEWAL_WINDOW_MS, but
 * never more than half of the access's lifetime, or a Testing app's fresh 7-day grant would offer
 * it at once. The grant row does not store when its current refresh token was issued (created_at
 * is the grant's first, updated_at moves with every refresh), so the lifetime is taken as the
 * shortest Google sets, Testing's 7 days: the last 3.5 days, for every grant.
 */
export const RENEWAL_OFFER_MS = Math.min(RENEWAL_WINDOW_MS, TESTING_LIFETIME_MS / 2);
/** statusReason of a grant whose time-limited access has ended (not a refusal by Google). */
export const ACCESS_ENDED = 'access_ended';

/** When a new refresh token stops working (ms), from its lifetime in seconds; null: no end. */
export const accessEnd = (nowMs: number, seconds: number | undefined): number | null =>
  seconds === undefined ? null : nowMs + seconds * 1000;

/** A connected grant whose time-limited access is past its end: its refresh token is dead. */
export function accessHasEnded(
  grant: StoredGrant,
  nowMs: number,
): grant is StoredGrant & { refreshToken: string } {
  if (grant.status !== 'connected' || grant.refreshToken === null) return false;
  return grant.accessEndsAt !== null && grant.accessEndsAt <= nowMs;
}

/** The grant as it reads once its access ended (what markNeedsReconnect stored). */
export function endedGrant(grant: StoredGrant): StoredGrant {
  return {
    ...grant,
    status: 'needs_reconnect',
    statusReason: ACCESS_ENDED,
    accessToken: null,
    accessTokenExpiresAt: null,
  };
}

/** A connected refresh token that does not end within RENEWAL_WINDOW_MS. */
export function isLiveRefreshToken(grant: StoredGrant | undefined, nowMs: number): boolean {
  if (grant?.status !== 'connected' || grant.refreshToken === null) return false;
  return grant.accessEndsAt === null || grant.accessEndsAt - nowMs > RENEWAL_WINDOW_MS;
}
