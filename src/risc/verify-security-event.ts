import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
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

interface Discovery {
  issuer: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
  fetchedAt: number;
}

type KeyLookup = Parameters<typeof jwtVerify>[1];

/**
 * Verifies Security Event Tokens against the RISC discovery document: `iss` exactly the
 * document's `issuer`, an RS256 signature by a key of its `jwks_uri` (jose refetches the set once
 * on an unknown `kid`, then waits a cooldown), `aud` our client ID. SETs carry no `exp`, so none
 * is required (google-auth-library's verifier would); age is bounded by `iat` instead.
 */
export function createSecurityEventVerifier(options: SecurityEventVerifierOptions) {
  const now = options.now ?? Date.now;
  let discovery: Promise<Discovery> | undefined;

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
    // jose refetches on a miss only once its cooldown (here: the whole cache life) is over;
    // `withOneRefetch` rations the refetches for unknown kids, on the app's clock.
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri), {
      timeoutDuration: options.timeoutMs,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      cooldownDuration: JWKS_MAX_AGE_MS,
    });
    return { issuer: doc.issuer, jwks, fetchedAt: now() };
  }

  async function current(): Promise<Discovery> {
    const cached = discovery;
    if (cached) {
      const doc = await cached.catch(() => undefined);
      if (doc && now() - doc.fetchedAt < DISCOVERY_TTL_MS) return doc;
    }
    const fresh = discover();
    discovery = fresh;
    try {
      return await fresh;
    } catch (err) {
      if (discovery === fresh) discovery = undefined;
      throw new SecurityEventUnavailableError(err);
    }
  }

  let lastRefetch = -Infinity;
  /** The key set, refetched once for a `kid` it lacks — at most once a minute, so a flood of
   * made-up `kid`s cannot turn the receiver into a load generator against Google. */
  function withOneRefetch(jwks: Discovery['jwks']): KeyLookup {
    return async (header, token) => {
      try {
        return await jwks(header, token);
      } catch (err) {
        if (
          !(err instanceof errors.JWKSNoMatchingKey) ||
          now() - lastRefetch < UNKNOWN_KID_REFETCH_MS
        ) {
          throw err;
        }
        lastRefetch = now();
        await jwks.reload();
        return jwks(header, token);
      }
    };
  }

  return async function verifySecurityEvent(token: string): Promise<VerifiedSecurityEvent> {
    const doc = await current();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, withOneRefetch(doc.jwks), {
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
  if (err instanceof errors.JWKSTimeout) return new SecurityEventUnavailableError(err);
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
  // A network failure while fetching the key set.
  return new SecurityEventUnavailableError(err);
}
