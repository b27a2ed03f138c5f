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
 * How long before its end the account page offers "Renew access" to a grant stored before its
 * access start was recorded (migration step 11): such a row's lifetime is unknown, so it is taken
 * as the shortest Google sets, Testing's 7 days, and half of it is offered: the last 3.5 days.
 */
export const UNKNOWN_START_OFFER_MS = Math.min(RENEWAL_WINDOW_MS, TESTING_LIFETIME_MS / 2);
/** statusReason of a grant whose time-limited access has ended (not a refusal by Google). */
export const ACCESS_ENDED = 'access_ended';

/** The time-limited access a new refresh token brings (ms); both null when it has no end. */
export interface AccessSpan {
  accessStartsAt: number | null;
  accessEndsAt: number | null;
}

/** The span of a refresh token issued at nowMs, from its lifetime in seconds (undefined: no end). */
export const accessSpan = (nowMs: number, seconds: number | undefined): AccessSpan =>
  seconds === undefined
    ? { accessStartsAt: null, accessEndsAt: null }
    : { accessStartsAt: nowMs, accessEndsAt: nowMs + seconds * 1000 };

/**
 * How long before its end time-limited access is offered a renewal on the account page: the last
 * RENEWAL_WINDOW_MS, but never more than half of the access's own lifetime, or a Testing app's
 * fresh 7-day grant would offer it at once (a 30-day grant: its last 7 days; 7 days: its last 3.5).
 * A row from before the start was recorded (null start) keeps the old rule, UNKNOWN_START_OFFER_MS.
 */
export function renewalOfferMs(accessStartsAt: number | null, accessEndsAt: number): number {
  if (accessStartsAt === null) return UNKNOWN_START_OFFER_MS;
  return Math.min(RENEWAL_WINDOW_MS, Math.max(0, accessEndsAt - accessStartsAt) / 2);
}

/** True when time-limited access ending at accessEndsAt is within its renewal offer at nowMs. */
export const offersRenewal = (
  accessStartsAt: number | null,
  accessEndsAt: number,
  nowMs: number,
): boolean => accessEndsAt - nowMs <= renewalOfferMs(accessStartsAt, accessEndsAt);

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
