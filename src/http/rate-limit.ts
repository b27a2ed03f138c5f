import { isIPv6 } from 'node:net';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, Messages } from '../core/errors.js';
import type { FailedSignInCounter } from '../storage/failed-sign-ins.js';
import type { ReservedAttempt } from '../storage/sign-in-writes.js';
import { FAILED_SIGN_IN_WINDOW_MS } from '../storage/storage.js';
import { ipv6Prefix, mappedIPv4 } from './ip-network.js';

export interface FailedSignInLimitOptions {
  /** Failed attempts allowed per client address and minute. */
  limit: number;
  counter: FailedSignInCounter;
  now: () => number;
  logger: Logger;
}

/** A sign-in attempt's reservation, until it is known whether it failed. */
interface Reservation {
  clientKey: string;
  windowStart: number;
  /** Counted as failed, or given back: nothing more to do. */
  settled: boolean;
}

/** Each reserved request's reservation, for the error middleware and the response's end. */
const reservations = new WeakMap<Response, Reservation>();

/**
 * Refuses a client with 429 and Retry-After once it has failed `limit` sign-ins this minute
 * (OWASP ASVS V2.4 anti-automation), before the request reaches the session store or Google.
 * The attempt is reserved first, in one atomic statement, and counts as failed until its
 * outcome is known: concurrent attempts cannot all pass before any has failed. Attempts that do
 * not fail are given back, so many people signing in from behind one NAT all get in.
 */
export function refuseAfterFailedSignIns(options: FailedSignInLimitOptions): RequestHandler {
  return async (req, res, next) => {
    const at = options.now();
    const windowStart = windowStartOf(at);
    const key = clientKey(req);
    if (await options.counter.reserve(key, windowStart, options.limit)) {
      const reservation: Reservation = { clientKey: key, windowStart, settled: false };
      reservations.set(res, reservation);
      // An answer that was not a counted failure (a sign-in, a 404) gives the attempt back.
      // A response cut before its end ('close' alone) keeps it: its outcome is unknown, and a
      // client must not win its attempts back by hanging up while Google is being asked.
      res.once('finish', () => {
        giveBack(reservation, options.counter)?.catch(notGivenBack(options.logger));
      });
      return next();
    }
    const retryAfterMs = windowStart + FAILED_SIGN_IN_WINDOW_MS - at;
    res.set('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    next(new AppError(429, Messages.tooManyRequests, { code: 'rate_limited' }));
  };
}

/**
 * Error middleware behind the sign-in routes: a refused attempt (bad state, refused code or
 * token, account not allowed) keeps its reservation, so it counts as one failure; any other
 * error (a cancel at Google, a malformed request, an outage) gives it back before the error is
 * answered, so the client's next request already sees the count as it is.
 */
export function countFailedSignIns(options: FailedSignInLimitOptions): ErrorRequestHandler {
  return async (err: unknown, _req, res, next) => {
    const reservation = reservations.get(res);
    if (reservation && isFailedSignIn(err)) reservation.settled = true;
    else if (reservation) {
      await giveBack(reservation, options.counter)?.catch(notGivenBack(options.logger));
    }
    next(err);
  };
}

/**
 * The attempt reserved for this request and not yet settled, for a sign-in that gives it back in
 * its own transaction (one commit fewer than a release of its own); `givenBack` is called once
 * that transaction committed, so the response's end does not give it back twice. A sign-in that
 * fails to commit leaves it open: the error middleware then settles it as for any other error.
 */
export function openAttempt(
  res: Response,
): { attempt: ReservedAttempt; givenBack: () => void } | undefined {
  const reservation = reservations.get(res);
  if (!reservation || reservation.settled) return undefined;
  const { clientKey, windowStart } = reservation;
  return { attempt: { clientKey, windowStart }, givenBack: () => (reservation.settled = true) };
}

/** Gives a reservation back, once: undefined when it was already counted or given back. */
function giveBack(reservation: Reservation, counter: FailedSignInCounter) {
  if (reservation.settled) return undefined;
  reservation.settled = true;
  return counter.release(reservation.clientKey, reservation.windowStart);
}

/**
 * A count that cannot be written back (database down) is logged: the client keeps one failure
 * too many for the rest of the minute, and gets its answer anyway.
 */
function notGivenBack(logger: Logger) {
  return (err: unknown) => {
    logger.warn({ err: { message: (err as Error).message } }, 'sign-in attempt not given back');
  };
}

/** A refusal by the sign-in checks, not a cancel at Google, a malformed request or an outage. */
function isFailedSignIn(err: unknown): boolean {
  if (!(err instanceof AppError)) return false;
  if (err.code === 'account_not_allowed') return true;
  return err.status === 401 && err.code !== 'access_denied';
}

function windowStartOf(at: number): number {
  return at - (at % FAILED_SIGN_IN_WINDOW_MS);
}

/** Counts every request per client, in this process's memory (e.g. /risc's flood limit). */
export interface RateLimiter {
  /** Counts one request of `key`: allowed, or refused with the seconds until it may retry. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

export interface FixedWindowOptions {
  /** Requests allowed per key and window. */
  limit: number;
  windowMs: number;
  now: () => number;
  /** Most keys remembered at once: memory stays bounded whatever the number of clients. */
  maxKeys?: number;
}

/** A rate limiter that can say how many keys it holds in memory. */
export interface FixedWindowLimiter extends RateLimiter {
  /** Keys remembered now: expired ones until the next prune, never more than `maxKeys`. */
  readonly size: number;
}

/**
 * A fixed-window counter in memory. Expired windows are pruned lazily, at most once per window,
 * so there is no timer to stop; when more keys than `maxKeys` are live, the oldest are forgotten
 * (an attacker with that many addresses gets a fresh budget, the process keeps its memory).
 */
export function createFixedWindowLimiter(options: FixedWindowOptions): FixedWindowLimiter {
  const { limit, windowMs, now } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { startedAt: number; count: number }>();
  let nextPruneAt = 0;

  const prune = (at: number) => {
    for (const [key, w] of windows) if (at - w.startedAt >= windowMs) windows.delete(key);
    nextPruneAt = at + windowMs;
  };

  return {
    get size() {
      return windows.size;
    },
    take(key) {
      const at = now();
      if (at >= nextPruneAt) prune(at);
      let w = windows.get(key);
      if (!w || at - w.startedAt >= windowMs) {
        windows.delete(key);
        if (windows.size >= maxKeys) {
          const oldest = windows.keys().next().value;
          // Empty only when maxKeys <= 0, and Map.delete(undefined) does nothing: the check is for
          // the type checker (an equivalent mutant).
          if (oldest !== undefined) windows.delete(oldest);
        }
        w = { startedAt: at, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      if (w.count <= limit) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((w.startedAt + windowMs - at) / 1000)),
      };
    },
  };
}

/**
 * Refuses a client's request with 429 and Retry-After once it is over its budget (OWASP ASVS
 * V2.4 anti-automation), before the request reaches the session store or Google.
 */
export function rateLimit(limiter: RateLimiter): RequestHandler {
  return (req, res, next) => {
    const verdict = limiter.take(clientKey(req));
    if (verdict.allowed) return next();
    res.set('Retry-After', String(verdict.retryAfterSeconds));
    next(new AppError(429, Messages.tooManyRequests, { code: 'rate_limited' }));
  };
}

/**
 * The client's address as Express sees it (`trust proxy` decides whether X-Forwarded-For
 * counts). An IPv6 client usually owns a whole /64, so it is counted by its /64.
 */
export function clientKey(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const mapped = mappedIPv4(ip);
  if (mapped) return mapped;
  return isIPv6(ip) ? `${ipv6Prefix(ip, 4)}::/64` : ip;
}
