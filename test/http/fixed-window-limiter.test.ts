import { describe, expect, it } from 'vitest';
import { AppError, Messages } from '../../src/core/errors.js';
import {
  createFixedWindowLimiter,
  rateLimit,
  type RateLimiter,
} from '../../src/http/rate-limit.js';
import { CLIENT_IP, runMiddleware } from '../support/run-middleware.js';

describe('the fixed-window rate limiter', () => {
  /** One request per key and minute, at a clock that stands still. */
  const oneRequestPerMinute = ({ maxKeys }: { maxKeys: number }) =>
    createFixedWindowLimiter({ limit: 1, windowMs: 60_000, now: () => 0, maxKeys });

  it('when a key uses its budget, then the next request is refused until its window ends', () => {
    let now = 1_000_000;
    const limiter = createFixedWindowLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.take('k')).toEqual({ allowed: true });
    expect(limiter.take('k')).toEqual({ allowed: true });
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    now += 59_999;
    expect(limiter.take('k').allowed).toBe(false);
    now += 1;
    expect(limiter.take('k')).toEqual({ allowed: true });
  });

  it('when refused, then Retry-After is the whole seconds left, rounded up, at least 1', () => {
    let now = 0;
    const limiter = createFixedWindowLimiter({ limit: 1, windowMs: 10_000, now: () => now });
    limiter.take('k');
    now = 1_500;
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 9 });
    now = 9_999;
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('when one key is over its budget, then other keys keep theirs', () => {
    const limiter = createFixedWindowLimiter({ limit: 1, windowMs: 60_000, now: () => 0 });
    limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('when a window starts between two prunes, then it ends exactly windowMs later, and the prune between keeps it', () => {
    let now = 0;
    const limiter = createFixedWindowLimiter({ limit: 1, windowMs: 60_000, now: () => now });
    limiter.take('first'); // prunes at 0, next at 60 s
    now = 30_000;
    expect(limiter.take('k')).toEqual({ allowed: true });
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    now = 60_000; // a prune: k's window is half over and must survive it
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now = 89_999;
    expect(limiter.take('k').allowed).toBe(false);
    now = 90_000; // no prune due before 120 s: k's own window has ended
    expect(limiter.take('k')).toEqual({ allowed: true });
  });

  it('when windows expire, then the next prune forgets them; a prune walks every key, so it runs at most once per window', () => {
    let now = 0;
    const limiter = createFixedWindowLimiter({ limit: 1, windowMs: 60_000, now: () => now });
    limiter.take('a'); // prunes at 0, next at 60 s
    now = 30_000;
    limiter.take('b');
    expect(limiter.size).toBe(2);
    now = 60_000; // a's window has just ended
    limiter.take('c');
    expect(limiter.size).toBe(2); // b, c
    now = 90_000; // b's window has ended, the next prune is due at 120 s
    limiter.take('d');
    expect(limiter.size).toBe(3); // b, c, d
    now = 120_000;
    limiter.take('e');
    expect(limiter.size).toBe(2); // d, e
  });

  it('when fewer keys than maxKeys are remembered, then none is forgotten', () => {
    const limiter = oneRequestPerMinute({ maxKeys: 3 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.size).toBe(3);
    expect(['a', 'b', 'c'].map((k) => limiter.take(k).allowed)).toEqual([false, false, false]);
  });

  it('when more keys than maxKeys arrive, then the oldest is forgotten and memory stays bounded', () => {
    const limiter = oneRequestPerMinute({ maxKeys: 2 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // forgets a
    expect(limiter.size).toBe(2);
    expect(limiter.take('b').allowed).toBe(false);
    expect(limiter.take('c').allowed).toBe(false);
    expect(limiter.take('a').allowed).toBe(true); // forgets b
    expect(limiter.size).toBe(2);
  });
});

describe('the rate-limit middleware', () => {
  /** A limiter that answers `verdict` and records the keys it was asked about. */
  function answering(verdict: ReturnType<RateLimiter['take']>) {
    const keys: string[] = [];
    const limiter: RateLimiter = {
      take: (key) => {
        keys.push(key);
        return verdict;
      },
    };
    return { limiter, keys };
  }

  it('when the client is within its budget, then the request goes on untouched', async () => {
    const { limiter, keys } = answering({ allowed: true });
    const { passed, headers } = await runMiddleware(rateLimit(limiter));
    expect(passed).toBeUndefined();
    expect(headers).toEqual({});
    expect(keys).toEqual([CLIENT_IP]);
  });

  it('when the client is over its budget, then 429 rate_limited with Retry-After in seconds', async () => {
    const { limiter } = answering({ allowed: false, retryAfterSeconds: 7 });
    const { passed, headers } = await runMiddleware(rateLimit(limiter));
    expect(passed).toBeInstanceOf(AppError);
    expect(passed).toMatchObject({
      status: 429,
      code: 'rate_limited',
      publicMessage: Messages.tooManyRequests,
    });
    expect(headers).toEqual({ 'Retry-After': '7' });
  });
});
