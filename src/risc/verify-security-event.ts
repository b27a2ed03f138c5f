import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { parseSecurityEvents, type SecurityEvent } from './security-events.js';

/** RFC 8935 §2.4 error codes, answered with 400 so the transmitter knows not to retry. */
export type SetErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed';

export class SecurityEventError extends Error {
  constructor(
    readonly code: SetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecurityEventError';
  }
}

/** Google's discovery document or keys could not be read: a transient failure (503, retried). */
export class SecurityEventUnavailableError extends Error {
  constructor(cause: unknown) {
    super('RISC discovery or keys unavailable', { cause });
    this.name = 'SecurityEventUnavailableError';
  }
}

export interface VerifiedSecurityEvent {
  jti: string;
  /** Seconds since the epoch, when Google issued the token. */
  issuedAt: number;
  events: SecurityEvent[];
}

export interface SecurityEventVerifierOptions {
  /** `/.well-known/risc-configuration` on Google's accounts host (or the emulator). */
  discoveryUrl: string;
  /** Our OAuth client ID: the SET's `aud`. */
  audience: string;
  /** Deadline of each call to Google. */
  timeoutMs: number;
  now?: () => number;
}

/** Same skew as ID tokens. */
const CLOCK_TOLERANCE_S = 300;
/** Older tokens are refused, so the jti ledger only needs to remember this long. */
export const MAX_EVENT_AGE_S = 7 * 24 * 60 * 60;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** Unknown `kid`s refetch the key set at most this often (a rotation costs one refetch). */
const UNKNOWN_KID_REFETCH_MS = 60_000;
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** After a failed reload, the last good set serves this long before the next try. */
const RELOAD_RETRY_MS = 60_000;

interface Discovery {
  issuer: string;
  jwksUri: string;
  fetchedAt: number;
}

type KeyLookup = Parameters<typeof jwtVerify>[1];
type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * Verifies Security Event Tokens against the RISC discovery document: `iss` exactly the
 * document's `issuer`, an RS256 signature by a key of its `jwks_uri`, `aud` our client ID. SETs
 * carry no `exp`, so none is required (google-auth-library's verifier would); age is bounded by
 * `iat` instead. Whatever keeps the keys from being read is SecurityEventUnavailableError (503,
 * Google delivers again), never a refusal of the token (400, the event would be lost).
 */
export function createSecurityEventVerifier(options: SecurityEventVerifierOptions) {
  const now = options.now ?? Date.now;
  let discovery: Discovery | undefined;
  let discovering: Promise<Discovery> | undefined;
  let keySet: RemoteKeySet | undefined;

  async function discover(): Promise<Discovery> {
    const res = await fetch(options.discoveryUrl, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!res.ok) throw new Error(`RISC discovery answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof doc.issuer !== 'string' || typeof doc.jwks_uri !== 'string') {
      throw new Error('RISC discovery document without issuer or jwks_uri');
    }
    return { issuer: doc.issuer, jwksUri: new URL(doc.jwks_uri).href, fetchedAt: now() };
  }

  /** The discovery document; a failed refetch keeps the last good one (tried again later). */
  async function current(): Promise<Discovery> {
    if (discovery && now() - discovery.fetchedAt < DISCOVERY_TTL_MS) return discovery;
    const fresh = (discovering ??= discover().finally(() => (discovering = undefined)));
    try {
      discovery = await fresh;
    } catch (err) {
      if (!discovery) throw new SecurityEventUnavailableError(err);
      discovery = { ...discovery, fetchedAt: now() - DISCOVERY_TTL_MS + RELOAD_RETRY_MS };
    }
    return discovery;
  }

  function keysOf(doc: Discovery): RemoteKeySet {
    if (keySet?.url !== doc.jwksUri) keySet = new RemoteKeySet(doc.jwksUri, options.timeoutMs, now);
    return keySet;
  }

  return async function verifySecurityEvent(token: string): Promise<VerifiedSecurityEvent> {
    const doc = await current();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keysOf(doc).lookup, {
        issuer: doc.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_S,
        maxTokenAge: MAX_EVENT_AGE_S,
        currentDate: new Date(now()),
        requiredClaims: ['iat', 'jti'],
      }));
    } catch (err) {
      throw toSecurityEventError(err);
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
      throw new SecurityEventError('invalid_request', 'jti must be a short string');
    }
    let events: SecurityEvent[];
    try {
      events = parseSecurityEvents(payload.events);
    } catch (err) {
      throw new SecurityEventError('invalid_request', 'events claim malformed', { cause: err });
    }
    return { jti: payload.jti, issuedAt: payload.iat ?? 0, events };
  };
}

export type VerifySecurityEvent = ReturnType<typeof createSecurityEventVerifier>;

/** jose's errors, turned once into the receiver's. */
function toSecurityEventError(err: unknown): Error {
  if (err instanceof SecurityEventUnavailableError) return err;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new SecurityEventError('invalid_issuer', err.message);
    if (err.claim === 'aud') return new SecurityEventError('invalid_audience', err.message);
    return new SecurityEventError('invalid_request', err.message);
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys ||
    err instanceof errors.JOSEAlgNotAllowed
  ) {
    return new SecurityEventError('invalid_key', err.message);
  }
  if (err instanceof errors.JOSEError)
    return new SecurityEventError('invalid_request', err.message);
  // Not the token's fault, as far as can be told: Google delivers again.
  return new SecurityEventUnavailableError(err);
}

/**
 * Google's RISC key set (the discovery document's `jwks_uri`), on the app's clock. Reloaded once
 * it is older than JWKS_MAX_AGE_MS; a reload that fails (non-200, not a JWK Set, network,
 * deadline) keeps the last good set, so a brief outage at Google refuses nothing signed with a
 * key already known. Without a usable set, or for a `kid` the set lacks while the last reload
 * failed, the answer is SecurityEventUnavailableError: the key may exist and Google retries.
 */
class RemoteKeySet {
  #keys: LocalKeySet | undefined;
  #loadedAt = -Infinity;
  /** The last fetch of any kind (the unknown-kid ration counts from it). */
  #fetchedAt = -Infinity;
  #lastFailed = false;
  #loading: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  readonly lookup: KeyLookup = async (header, token) => {
    const keys = await this.#usableKeys();
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (this.#lastFailed) throw new SecurityEventUnavailableError(err);
      // A flood of made-up `kid`s must not turn the receiver into a load generator against
      // Google: one refetch a minute, counting the scheduled reloads.
      if (this.now() - this.#fetchedAt < UNKNOWN_KID_REFETCH_MS) throw err;
      await this.#reloadOrUnavailable();
      return (this.#keys ?? keys)(header, token);
    }
  };

  async #usableKeys(): Promise<LocalKeySet> {
    const age = this.now() - this.#loadedAt;
    const due = age >= JWKS_MAX_AGE_MS && this.now() - this.#fetchedAt >= RELOAD_RETRY_MS;
    if (!this.#keys || due) {
      try {
        await this.#reload();
      } catch (err) {
        // Keep serving the last good set; without one, Google must deliver again.
        if (!this.#keys) throw new SecurityEventUnavailableError(err);
      }
    }
    return this.#keys as LocalKeySet;
  }

  async #reloadOrUnavailable(): Promise<void> {
    try {
      await this.#reload();
    } catch (err) {
      throw new SecurityEventUnavailableError(err);
    }
  }

  /** One fetch at a time; concurrent verifications wait for the same one. */
  #reload(): Promise<void> {
    this.#loading ??= this.#fetch().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  async #fetch(): Promise<void> {
    this.#fetchedAt = this.now();
    try {
      const res = await fetch(this.url, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status !== 200) throw new Error(`RISC key set answered ${res.status}`);
      // createLocalJWKSet throws on a document that is not a JWK Set.
      this.#keys = createLocalJWKSet((await res.json()) as Parameters<typeof createLocalJWKSet>[0]);
      this.#loadedAt = this.now();
      this.#lastFailed = false;
    } catch (err) {
      this.#lastFailed = true;
      throw err;
    }
  }
}
