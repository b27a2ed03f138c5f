import { describe, expect, it } from 'vitest';
import { createFixedWindowLimiter } from '../../src/http/rate-limit.js';

describe('the fixed-window rate limiter', () => {
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
});
