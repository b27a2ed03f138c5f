import type { Logger } from 'pino';
import { AppError, Messages } from '../core/errors.js';
import type { GoogleClient } from '../google/google-client.js';
import type { RefreshedTokens } from '../google/types.js';
import type {
  GrantFromSignIn,
  GrantStatus,
  GrantStore,
  StoredGrant,
} from '../storage/grant-store.js';
import { TokenCipherError, type TokenCipher, type TokenSlot } from './token-cipher.js';
import type { RefreshTokenMacer, TokenIdentifierAlg } from './refresh-token-macs.js';
import { createRefreshLease, type RefreshSteps } from './refresh-lease.js';
import { deniedScopes, mergeScopes, scopeList } from './scopes.js';
import {
  ACCESS_ENDED,
  accessSpan,
  accessHasEnded,
  endedGrant,
  isLiveRefreshToken,
} from './time-limited-access.js';

/**
 * The user's stored Google grant as a service: kept at sign-in, handed out as a valid access
 * token, summed up for the account page, revoked and forgotten. Beside it: the refresh lease
 * (refresh-lease.ts), scopes and features (scopes.ts), time-limited access (time-limited-access.ts).
 */

/** Refresh when the access token has less than this left, so it does not die in flight. */
export const REFRESH_MARGIN_MS = 30_000;
/** Google's default access-token life, when a response does not say. */
const DEFAULT_LIFETIME_S = 3600;

/** The tokens of a code exchange, as a sign-in hands them over. */
export interface GrantTokens {
  accessToken: string;
  refreshToken?: string | undefined;
  expiresIn?: number | undefined;
  scope?: string | undefined;
  /** Seconds the refresh token lives (time-limited access); undefined: no end. */
  refreshTokenExpiresIn?: number | undefined;
  /** What the authorization request asked for; undefined: the sign-in's scopes. */
  requested?: readonly string[] | undefined;
}

/** What the account page shows about the Google connection; never a token. */
export interface GrantSummary {
  status: GrantStatus | 'not_connected';
  reason: string | null;
  scopes: string[];
  /** Every scope the authorization requests asked for (sign-in and connects). */
  requestedScopes: string[];
  /** Asked for, but unticked by the user on Google's consent screen. */
  deniedScopes: string[];
  refreshedAt: string | null;
  connectedAt: string | null;
  /** When time-limited access ends (ISO 8601); null when Google gave no end. */
  accessEndsAt: string | null;
  /**
   * When that access began (ISO 8601): its refresh token's issue. null without an end, or for a
   * grant stored before the start was recorded.
   */
  accessStartsAt: string | null;
}

export interface GoogleGrants {
  /**
   * Keeps the grant of a sign-in or a connect (the newest refresh token; older ones are not
   * revoked). The requested scopes add up; scopes Google did not grant are recorded, never refused.
   */
  keep(userId: number, tokens: GrantTokens): Promise<void>;
  /**
   * What keep() stores, sealed for this user (the envelopes' associated data is the user id),
   * for a sign-in that stores it in its own transaction. Synchronous: no I/O.
   */
  sealForSignIn(userId: number, tokens: GrantTokens): GrantFromSignIn;
  /**
   * A valid access token for the user's own calls to Google: the stored one, or a refreshed one
   * when it has expired or is about to. `scopes` must all have been granted (403 otherwise).
   * Throws 409 when the grant needs reconnecting, 502/504 when Google fails (nothing changes).
   */
  accessToken(userId: number, options?: { scopes?: readonly string[] }): Promise<string>;
  summary(userId: number): Promise<GrantSummary>;
  /**
   * True when the user has a refresh token Google has not refused and that does not end within
   * RENEWAL_WINDOW_MS: otherwise a sign-in asks Google for consent, which brings a new one.
   */
  hasLiveRefreshToken(userId: number): Promise<boolean>;
  /** Revokes the grant at Google (once) and deletes it here; Google failing does not keep it. */
  revokeAndForget(userId: number): Promise<RevokeOutcome>;
  /**
   * Deletes the grant here, without calling Google, when Google revoked the user's tokens at
   * `revokedAtMs` (Cross-Account Protection). A grant stored later (a new sign-in) stays.
   */
  forgetRevoked(userId: number, revokedAtMs: number): Promise<void>;
  /**
   * Deletes the grant holding the refresh token Google names in a `token-revoked` event (its
   * prefix or double SHA-512); returns its user, or undefined when none matched.
   */
  forgetByRefreshToken(alg: TokenIdentifierAlg, identifier: string): Promise<number | undefined>;
}

/** What revokeAndForget did at Google: told the page after a disconnect or a deletion. */
export type RevokeOutcome = 'revoked' | 'not-revoked' | 'no-grant';

export interface GoogleGrantsDeps {
  store: GrantStore;
  cipher: TokenCipher;
  google: Pick<GoogleClient, 'refreshAccessToken' | 'revoke'>;
  logger: Logger;
  now: () => number;
  /** The deadline of one call to Google; a refresh lease outlives it a little. */
  googleTimeoutMs: number;
  /** Keyed hashes of each refresh token's Google identifiers, stored with it. */
  macer: RefreshTokenMacer;
  /** What a sign-in asks for (`openid email profile` + GOOGLE_SCOPES): its requested scopes. */
  signInScopes?: readonly string[];
}

/** ms since the epoch as ISO 8601, null kept. */
const isoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

const slot = (userId: number, column: TokenSlot['column']): TokenSlot => ({ userId, column });

export function createGoogleGrants(deps: GoogleGrantsDeps): GoogleGrants {
  const { store, cipher, google, now } = deps;
  const lease = createRefreshLease({ store, now, googleTimeoutMs: deps.googleTimeoutMs });

  const seal = (token: string | undefined, s: TokenSlot) =>
    token === undefined ? null : cipher.seal(token, s);
  const macsOf = (token: string | undefined) =>
    token === undefined ? null : deps.macer.macsOf(token);

  function open(envelope: string, s: TokenSlot): string {
    try {
      return cipher.open(envelope, s);
    } catch (err) {
      if (!(err instanceof TokenCipherError)) throw err;
      // Fail closed: a token we cannot open (unknown key id, tampered, moved) is never used.
      throw new AppError(500, Messages.internal, { code: 'token_undecryptable', cause: err });
    }
  }

  const expiry = (expiresIn: number | undefined) =>
    now() + (expiresIn ?? DEFAULT_LIFETIME_S) * 1000;

  /**
   * The stored grant as it stands now: time-limited access past its end is recorded as
   * needs_reconnect here, when it is read, so no refresh is tried at Google with a dead token.
   */
  async function find(userId: number): Promise<StoredGrant | undefined> {
    const grant = await store.find(userId);
    if (grant === undefined || !accessHasEnded(grant, now())) return grant;
    await store.markNeedsReconnect(userId, ACCESS_ENDED, new Date(now()), grant.refreshToken);
    deps.logger.info({ userId }, 'Google access the user granted for a limited time has ended');
    return endedGrant(grant);
  }

  /** The stored access token when it still has more than the margin left. */
  function usableAccessToken(grant: StoredGrant): string | undefined {
    if (grant.accessToken === null || grant.accessTokenExpiresAt === null) return undefined;
    if (grant.accessTokenExpiresAt - now() <= REFRESH_MARGIN_MS) return undefined;
    return open(grant.accessToken, slot(grant.userId, 'access_token'));
  }

  async function connectedGrant(userId: number, scopes: readonly string[]): Promise<StoredGrant> {
    const grant = await find(userId);
    if (!grant) throw new AppError(409, Messages.googleNotConnected, { code: 'not_connected' });
    if (grant.status !== 'connected' || grant.refreshToken === null) {
      const ended = grant.statusReason === ACCESS_ENDED;
      const message = ended ? Messages.googleAccessEnded : Messages.googleReconnect;
      throw new AppError(409, message, { code: 'needs_reconnect' });
    }
    // The granted scope string decides, never what was asked for.
    const granted = new Set(grant.scope.split(' '));
    if (!scopes.every((s) => granted.has(s))) {
      throw new AppError(403, Messages.scopeNotGranted, { code: 'scope_not_granted' });
    }
    return grant;
  }

  /** Holding the lease: refresh at Google and store the result, or record invalid_grant. */
  async function refreshHoldingLease(grant: StoredGrant): Promise<string> {
    const { userId } = grant;
    // The stored results below apply only to the grant this token belongs to (see saveRefreshed).
    const refreshedWith = grant.refreshToken ?? '';
    let tokens: RefreshedTokens;
    try {
      tokens = await google.refreshAccessToken(open(refreshedWith, slot(userId, 'refresh_token')));
    } catch (err) {
      if (err instanceof AppError && err.code === 'google_invalid_grant') {
        await store.markNeedsReconnect(
          userId,
          'Token has been expired or revoked.',
          new Date(now()),
          refreshedWith,
        );
        deps.logger.info({ userId }, 'Google refused the refresh token; the user must reconnect');
      } else {
        // 5xx, timeout, bad answer: this request fails and nothing stored changes.
        await lease.failed(userId, refreshedWith, err);
      }
      throw err;
    }
    await store.saveRefreshed(
      userId,
      {
        accessToken: cipher.seal(tokens.accessToken, slot(userId, 'access_token')),
        accessTokenExpiresAt: expiry(tokens.expiresIn),
        refreshToken: seal(tokens.refreshToken, slot(userId, 'refresh_token')),
        refreshTokenMacs: macsOf(tokens.refreshToken),
        scope: tokens.scope ?? null,
        refreshedWith,
        ...accessSpan(now(), tokens.refreshTokenExpiresIn),
      },
      new Date(now()),
    );
    return tokens.accessToken;
  }

  function sealForSignIn(userId: number, tokens: GrantTokens): GrantFromSignIn {
    // Added to the stored ones by the same statement (no read first: one statement per sign-in).
    const requested = mergeScopes([], tokens.requested ?? deps.signInScopes ?? []);
    return {
      refreshToken: seal(tokens.refreshToken, slot(userId, 'refresh_token')),
      refreshTokenMacs: macsOf(tokens.refreshToken),
      accessToken: cipher.seal(tokens.accessToken, slot(userId, 'access_token')),
      accessTokenExpiresAt: expiry(tokens.expiresIn),
      scope: tokens.scope ?? '',
      ...accessSpan(now(), tokens.refreshTokenExpiresIn),
      requestedScope: requested.join(' '),
    };
  }

  /** What the lease runs for one request that needs a token with these scopes. */
  const refreshSteps = (userId: number, scopes: readonly string[]): RefreshSteps => ({
    read: () => connectedGrant(userId, scopes),
    usable: usableAccessToken,
    refresh: refreshHoldingLease,
  });

  return {
    async keep(userId, tokens) {
      await store.saveFromSignIn(userId, sealForSignIn(userId, tokens), new Date(now()));
    },

    sealForSignIn,

    async accessToken(userId, options = {}) {
      const scopes = options.scopes ?? [];
      const fresh = usableAccessToken(await connectedGrant(userId, scopes));
      return fresh ?? lease.refreshOnce(userId, refreshSteps(userId, scopes));
    },

    async summary(userId) {
      const grant = await find(userId);
      if (!grant) {
        return {
          status: 'not_connected',
          reason: null,
          scopes: [],
          requestedScopes: [],
          deniedScopes: [],
          refreshedAt: null,
          connectedAt: null,
          accessEndsAt: null,
          accessStartsAt: null,
        };
      }
      return {
        status: grant.status,
        reason: grant.statusReason,
        scopes: grant.scope.split(' ').filter(Boolean),
        requestedScopes: mergeScopes([], scopeList(grant.requestedScope)),
        deniedScopes: deniedScopes(scopeList(grant.requestedScope), scopeList(grant.scope)),
        refreshedAt: grant.refreshedAt,
        connectedAt: grant.createdAt,
        accessEndsAt: isoOrNull(grant.accessEndsAt),
        accessStartsAt: isoOrNull(grant.accessStartsAt),
      };
    },

    async hasLiveRefreshToken(userId) {
      return isLiveRefreshToken(await find(userId), now());
    },

    async revokeAndForget(userId) {
      const grant = await store.find(userId);
      if (!grant) return 'no-grant';
      // Either token names the whole grant at Google; the refresh token outlives the other.
      const sealed = grant.refreshToken ?? grant.accessToken;
      const column = grant.refreshToken !== null ? 'refresh_token' : 'access_token';
      let outcome: RevokeOutcome = 'no-grant';
      try {
        if (sealed !== null) {
          await google.revoke(open(sealed, slot(userId, column)));
          outcome = 'revoked';
        }
      } catch (err) {
        outcome = 'not-revoked';
        deps.logger.warn(
          { code: err instanceof AppError ? err.code : 'revoke_failed' },
          'revoke at Google failed; the grant is forgotten here anyway',
        );
      }
      await store.delete(userId);
      return outcome;
    },

    async forgetRevoked(userId, revokedAtMs) {
      // One conditional statement: a read, then a delete, would lose a grant stored in between.
      await store.deleteUnlessWrittenAfter(userId, new Date(revokedAtMs));
    },

    forgetByRefreshToken(alg, identifier) {
      return store.deleteByRefreshTokenMac(deps.macer.candidates(alg, identifier));
    },
  };
}
