/** A map of key id to PEM public key, made from Google's JWK Set (/oauth2/v3/certs). */
export type PemCerts = Record<string, string>;

export interface FetchedCerts {
  certs: PemCerts;
  /** From the response's Cache-Control max-age; 0 when absent. */
  maxAgeMs: number;
}

export interface CertCacheOptions {
  fetchCerts: () => Promise<FetchedCerts>;
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
  private certs: PemCerts | undefined;
  private expiresAt = 0;
  private lastForcedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<PemCerts> | undefined;

  constructor(private readonly options: CertCacheOptions) {}

  /** The keys to check a token whose header names `kid` (undefined when it names none). */
  async certsFor(kid: string | undefined): Promise<PemCerts> {
    const now = this.options.now();
    if (!this.certs || now >= this.expiresAt) {
      return this.refresh();
    }
    if (
      kid !== undefined &&
      !Object.hasOwn(this.certs, kid) &&
      now - this.lastForcedAt >= this.options.refetchIntervalMs
    ) {
      this.lastForcedAt = now;
      return this.refresh();
    }
    return this.certs;
  }

  private refresh(): Promise<PemCerts> {
    // Concurrent sign-ins share one request.
    this.inFlight ??= this.fetchNow().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchNow(): Promise<PemCerts> {
    try {
      const { certs, maxAgeMs } = await this.options.fetchCerts();
      this.certs = certs;
      this.expiresAt = this.options.now() + maxAgeMs;
      return certs;
    } catch (err) {
      if (!this.certs) throw err;
      // Serve the known keys and wait an interval before asking again, so an outage of
      // Google's certs endpoint does not cost every sign-in a deadline.
      this.expiresAt = this.options.now() + this.options.refetchIntervalMs;
      return this.certs;
    }
  }
}
