import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { countFailedSignIns, refuseAfterFailedSignIns } from '../../src/http/rate-limit.js';
import type { FailedSignInCounter } from '../../src/storage/failed-sign-ins.js';
import { fakeResponse, runMiddleware as run } from '../support/run-middleware.js';

type Call =
  | { op: 'reserve'; key: string; windowStart: number; limit: number }
  | { op: 'release'; key: string; windowStart: number };

/** A counter in memory, starting at `failures`, that records how it was asked. */
function memoryCounter(failures = 0) {
  const calls: Call[] = [];
  let current = failures;
  const counter: FailedSignInCounter = {
    count: () => Promise.resolve(current),
    reserve: (key, windowStart, limit) => {
      calls.push({ op: 'reserve', key, windowStart, limit });
      if (current >= limit) return Promise.resolve(false);
      current += 1;
      return Promise.resolve(true);
    },
    release: (key, windowStart) => {
      calls.push({ op: 'release', key, windowStart });
      current -= 1;
      return Promise.resolve();
    },
    prune: () => Promise.resolve(),
  };
  return { counter, calls, current: () => current };
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>),
    },
  );
  return { logger, lines };
}

describe('refusing a client after failed sign-ins', () => {
  const at = 5 * 60_000 + 12_345; // 12.345 s into a minute

  it('when the client is under its limit, then the request goes on; an attempt is reserved in its minute', async () => {
    const { counter, calls, current } = memoryCounter(2);
    const { logger } = logCapture();
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => at, logger });
    const { passed, headers } = await run(limit);
    expect(passed).toBeUndefined();
    expect(headers).toEqual({});
    expect(calls).toEqual([{ op: 'reserve', key: '192.0.2.7', windowStart: 5 * 60_000, limit: 3 }]);
    expect(current()).toBe(3);
  });

  it('when the client is at its limit, then 429 rate_limited with the seconds left in the minute, rounded up', async () => {
    const { counter, current } = memoryCounter(3);
    const { logger } = logCapture();
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => at, logger });
    const response = fakeResponse();
    const { passed, headers } = await run(limit, undefined, response);
    expect(passed).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(headers).toEqual({ 'Retry-After': '48' });
    response.res.emit('finish'); // the 429 answered: nothing was reserved, nothing given back
    expect(current()).toBe(3);
  });

  it('when less than a second of the minute is left, then Retry-After is 1', async () => {
    const { counter } = memoryCounter(9);
    const { logger } = logCapture();
    const end = 6 * 60_000 - 1;
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => end, logger });
    expect((await run(limit)).headers).toEqual({ 'Retry-After': '1' });
  });

  it('when more attempts than the limit arrive before any has failed, then only the limit goes on', async () => {
    const { counter } = memoryCounter();
    const { logger } = logCapture();
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => at, logger });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => run(limit)));
    expect(outcomes.filter((o) => o.passed === undefined)).toHaveLength(3);
  });
});

describe('counting failed sign-ins', () => {
  const at = 7 * 60_000 + 30_000;
  const reserved = { op: 'reserve', key: '192.0.2.7', windowStart: 7 * 60_000, limit: 3 };
  const released = { op: 'release', key: '192.0.2.7', windowStart: 7 * 60_000 };

  /** One attempt through both middlewares: reserved, then `err` (or none), then answered. */
  async function attempt(err: unknown, counter = memoryCounter(), logger = logCapture().logger) {
    const options = { limit: 3, counter: counter.counter, now: () => at, logger };
    const response = fakeResponse();
    await run(refuseAfterFailedSignIns(options), undefined, response);
    let callsWhenPassed: Call[] | undefined;
    if (err !== undefined) {
      const { passed } = await run(countFailedSignIns(options) as never, err, response);
      expect(passed).toBe(err);
      callsWhenPassed = [...counter.calls];
    }
    response.res.emit('finish');
    return { calls: counter.calls, callsWhenPassed, count: counter.current() };
  }

  it('when a sign-in check refuses (401) or the account is not allowed (403), then the attempt stays counted', async () => {
    for (const err of [
      new AppError(401, 'Invalid state parameter.', { code: 'invalid_state' }),
      new AppError(403, 'Account not allowed.', { code: 'account_not_allowed' }),
    ]) {
      const { calls, count } = await attempt(err);
      expect(calls).toEqual([reserved]);
      expect(count).toBe(1);
    }
  });

  it('when the user cancelled at Google, the request was malformed, or Google failed, then the attempt is given back before the error is answered', async () => {
    for (const err of [
      new AppError(401, 'Access denied.', { code: 'access_denied' }),
      new AppError(400, 'Bad request.', { code: 'body_malformed' }),
      new AppError(403, 'Cross-site request refused.', { code: 'cross_site' }),
      new AppError(502, 'Bad gateway.', { code: 'google_token_failed' }),
      Object.assign(new Error('plain'), { status: 401 }),
    ]) {
      const { calls, callsWhenPassed, count } = await attempt(err);
      expect(callsWhenPassed).toEqual([reserved, released]);
      expect(calls).toEqual([reserved, released]); // once, not again at the answer's end
      expect(count).toBe(0);
    }
  });

  it('when the sign-in succeeds, then the attempt is given back once the answer is sent', async () => {
    const { calls, count } = await attempt(undefined);
    expect(calls).toEqual([reserved, released]);
    expect(count).toBe(0);
  });

  it('when the connection closes before the answer ends, then the attempt stays counted', async () => {
    const counter = memoryCounter();
    const { logger } = logCapture();
    const response = fakeResponse();
    const options = { limit: 3, counter: counter.counter, now: () => at, logger };
    await run(refuseAfterFailedSignIns(options), undefined, response);
    response.res.emit('close');
    expect(counter.calls).toEqual([reserved]);
    expect(counter.current()).toBe(1);
  });

  it('when an error reaches the counter without a reservation (a 429), then nothing is written', async () => {
    const counter = memoryCounter();
    const { logger } = logCapture();
    const count = countFailedSignIns({ limit: 3, counter: counter.counter, now: () => at, logger });
    const refusal = new AppError(429, 'Too many.', { code: 'rate_limited' });
    expect((await run(count as never, refusal)).passed).toBe(refusal);
    expect(counter.calls).toEqual([]);
  });

  it('when the attempt cannot be given back, then a warning is logged and the answer still goes on', async () => {
    const { logger, lines } = logCapture();
    const counter = memoryCounter();
    counter.counter.release = () => Promise.reject(new Error('database is locked'));
    const cancel = new AppError(401, 'Access denied.', { code: 'access_denied' });
    await attempt(cancel, counter, logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'sign-in attempt not given back',
      err: { message: 'database is locked' },
    });
  });
});
