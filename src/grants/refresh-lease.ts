import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, Messages } from '../core/errors.js';
import type { GrantStore, StoredGrant } from '../storage/grant-store.js';

/** How often a request waiting for another one's refresh looks again. */
const LEASE_POLL_MS = 25;
/**
 * How long a refresh's failure (5xx, timeout) answers the user's other requests that would
 * refresh with the same refresh token: the requests waiting on that lease get the failure instead
 * of each calling Google in turn, and Google is not hammered while it is failing.
 */
export const SHARED_REFRESH_FAILURE_MS = 5_000;

export interface RefreshLeaseDeps {
  store: Pick<GrantStore, 'claimRefreshLease' | 'releaseRefreshLease'>;
  now: () => number;
  /** The deadline of one call to Google; the lease outlives it a little. */
  googleTimeoutMs: number;
}

/** What a refresh under the lease does, given by the grants service for one request. */
export interface RefreshSteps {
  /** Reads the grant again; throws when it cannot give this request a token (409, 403). */
  read(): Promise<StoredGrant>;
  /** The stored access token when it is still good to use. */
  usable(grant: StoredGrant): string | undefined;
  /** Holding the lease: refreshes at Google and stores the result, which releases the lease. */
  refresh(grant: StoredGrant): Promise<string>;
}

export interface RefreshLease {
  /**
   * One refresh at a time per user, across instances: the lease is claimed with one conditional
   * UPDATE, then the row is read again (another request may have refreshed meanwhile). Requests
   * that lose wait for the winner's token instead of refreshing too. (A BEGIN IMMEDIATE held
   * across the call to Google would block every writer of the synchronous SQLite driver, the
   * winner's own response included.)
   */
  refreshOnce(userId: number, steps: RefreshSteps): Promise<string>;
  /**
   * A refresh under the lease failed for a passing reason (5xx, timeout, bad answer): the
   * requests waiting on this lease get the same failure (remembered before they can claim it),
   * then the lease is released.
   */
  failed(userId: number, refreshedWith: string, err: unknown): Promise<void>;
}

export function createRefreshLease(deps: RefreshLeaseDeps): RefreshLease {
  const { store, now } = deps;
  const leaseMs = deps.googleTimeoutMs + 1000;

  /** The last failed refresh per user (this process): what failed, with which token, until when. */
  const failures = new Map<number, { err: Error; refreshedWith: string; until: number }>();

  function rememberFailure(userId: number, refreshedWith: string, err: Error) {
    const at = now();
    for (const [id, f] of failures) if (f.until <= at) failures.delete(id);
    failures.set(userId, { err, refreshedWith, until: at + SHARED_REFRESH_FAILURE_MS });
  }

  /** A refresh with this grant's refresh token that failed a moment ago: its error, to share. */
  function recentFailure(grant: StoredGrant): Error | undefined {
    const failure = failures.get(grant.userId);
    if (failure === undefined) return undefined;
    if (failure.until <= now()) {
      failures.delete(grant.userId);
      return undefined;
    }
    // A grant a sign-in replaced since has a refresh token of its own, not known to fail.
    return failure.refreshedWith === grant.refreshToken ? failure.err : undefined;
  }

  /** Holding the lease: the token another request stored meanwhile, its shared failure, or ours. */
  async function whileHolding(userId: number, steps: RefreshSteps): Promise<string> {
    const grant = await steps.read().catch(async (err: unknown) => {
      await store.releaseRefreshLease(userId);
      throw err;
    });
    const fresh = steps.usable(grant);
    if (fresh !== undefined) {
      await store.releaseRefreshLease(userId);
      return fresh;
    }
    const failed = recentFailure(grant);
    if (failed !== undefined) {
      await store.releaseRefreshLease(userId);
      throw failed;
    }
    return steps.refresh(grant);
  }

  return {
    async refreshOnce(userId, steps) {
      const deadline = now() + leaseMs + deps.googleTimeoutMs;
      for (;;) {
        if (await store.claimRefreshLease(userId, now(), now() + leaseMs)) {
          return whileHolding(userId, steps);
        }
        if (now() > deadline) {
          throw new AppError(504, Messages.googleTimeout, { code: 'refresh_lease_timeout' });
        }
        await sleep(LEASE_POLL_MS);
        const grant = await steps.read();
        const fresh = steps.usable(grant);
        if (fresh !== undefined) return fresh;
        const failed = recentFailure(grant);
        if (failed !== undefined) throw failed;
      }
    },

    async failed(userId, refreshedWith, err) {
      if (err instanceof Error) rememberFailure(userId, refreshedWith, err);
      await store.releaseRefreshLease(userId);
    },
  };
}
