import type { KeyObject } from 'node:crypto';

/** Google's public signing keys by key id, made from its JWK Set (/oauth2/v3/certs). */
export type SigningKeys = Record<string, KeyObject>;

export interface FetchedKeys {
  keys: SigningKeys;
  /** From the response's Cache-Control max-age; 0 when absent. */
  maxAgeMs: number;
}

export interface CertCacheOptions {
  fetchKeys: () => Promise<FetchedKeys>;
  now: () => number;
  /** An unknown `kid` may force a refetch at most once per this interval (key rotation). */
  refetchIntervalMs: number;
}

/**
 * Google's signing keys, cached as long as Cache-Control allows. An unknown key id means Google
 * may have rotated keys, so it forces a refetch, but at most once per interval: a flood of
 * forged key ids must not turn into a flood of requests to Google. When a refetch fails and
 * keys are already known, the known keys keep serving (Google's keys overlap when rotated).
 */
export class CertCache {
  private keys: SigningKeys | undefined;
  private expiresAt = 0;
  private lastForcedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<SigningKeys> | undefined;

  constructor(private readonly options: CertCacheOptions) {}

  /** The keys to check a token whose header names `kid` (undefined when it names none). */
  async keysFor(kid: string | undefined): Promise<SigningKeys> {
    const now = this.options.now();
    if (!this.keys || now >= this.expiresAt) {
      return this.refresh();
    }
    const sinceForced = now - this.lastForcedAt;
    // A clock that stepped back (NTP, a resumed VM) must not hold off Google's rotated keys
    // until it catches up again: the interval then counts from now.
    if (
      kid !== undefined &&
      !Object.hasOwn(this.keys, kid) &&
      (sinceForced >= this.options.refetchIntervalMs || sinceForced < 0)
    ) {
      this.lastForcedAt = now;
      return this.refresh();
    }
    return this.keys;
  }

  private refresh(): Promise<SigningKeys> {
    // Concurrent sign-ins share one request.
    this.inFlight ??= this.fetchNow().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchNow(): Promise<SigningKeys> {
    try {
      const { keys, maxAgeMs } = await this.options.fetchKeys();
      this.keys = keys;
      this.expiresAt = this.options.now() + maxAgeMs;
      return keys;
    } catch (err) {
      if (!this.keys) throw err;
      // Serve the known keys and wait an interval before asking again, so an outage of
      // Google's certs endpoint does not cost every sign-in a deadline.
      this.expiresAt = this.options.now() + this.options.refetchIntervalMs;
      return this.keys;
    }
  }
}
