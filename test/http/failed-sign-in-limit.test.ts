import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { countFailedSignIns, refuseAfterFailedSignIns } from '../../src/http/rate-limit.js';
import type { FailedSignInCounter } from '../../src/storage/failed-sign-ins.js';
import { runMiddleware as run } from '../support/run-middleware.js';

/** A counter in memory that records how it was asked. */
function memoryCounter(failures = 0) {
  const calls: { op: 'count' | 'add'; key: string; windowStart: number }[] = [];
  const counter: FailedSignInCounter = {
    count: (key, windowStart) => {
      calls.push({ op: 'count', key, windowStart });
      return Promise.resolve(failures);
    },
    add: (key, windowStart) => {
      calls.push({ op: 'add', key, windowStart });
      return Promise.resolve(failures + 1);
    },
    prune: () => Promise.resolve(),
  };
  return { counter, calls };
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

  it('when the client is under its limit, then the request goes on; the count is read for its minute', async () => {
    const { counter, calls } = memoryCounter(2);
    const { logger } = logCapture();
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => at, logger });
    const { passed, headers } = await run(limit);
    expect(passed).toBeUndefined();
    expect(headers).toEqual({});
    expect(calls).toEqual([{ op: 'count', key: '192.0.2.7', windowStart: 5 * 60_000 }]);
  });

  it('when the client is at its limit, then 429 rate_limited with the seconds left in the minute, rounded up', async () => {
    const { counter } = memoryCounter(3);
    const { logger } = logCapture();
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => at, logger });
    const { passed, headers } = await run(limit);
    expect(passed).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(headers).toEqual({ 'Retry-After': '48' });
  });

  it('when less than a second of the minute is left, then Retry-After is 1', async () => {
    const { counter } = memoryCounter(9);
    const { logger } = logCapture();
    const end = 6 * 60_000 - 1;
    const limit = refuseAfterFailedSignIns({ limit: 3, counter, now: () => end, logger });
    expect((await run(limit)).headers).toEqual({ 'Retry-After': '1' });
  });
});

describe('counting failed sign-ins', () => {
  const at = 7 * 60_000 + 30_000;

  async function counted(err: unknown) {
    const { counter, calls } = memoryCounter();
    const { logger } = logCapture();
    const count = countFailedSignIns({ limit: 3, counter, now: () => at, logger });
    const { passed } = await run(count as never, err);
    expect(passed).toBe(err);
    return calls;
  }

  it('when a sign-in check refuses (401) or the account is not allowed (403), then one failure in its minute', async () => {
    for (const err of [
      new AppError(401, 'Invalid state parameter.', { code: 'invalid_state' }),
      new AppError(403, 'Account not allowed.', { code: 'account_not_allowed' }),
    ]) {
      expect(await counted(err)).toEqual([
        { op: 'add', key: '192.0.2.7', windowStart: 7 * 60_000 },
      ]);
    }
  });

  it('when the user cancelled at Google, the request was malformed, or Google failed, then nothing is counted', async () => {
    for (const err of [
      new AppError(401, 'Access denied.', { code: 'access_denied' }),
      new AppError(400, 'Bad request.', { code: 'body_malformed' }),
      new AppError(403, 'Cross-site request refused.', { code: 'cross_site' }),
      new AppError(502, 'Bad gateway.', { code: 'google_token_failed' }),
      Object.assign(new Error('plain'), { status: 401 }),
    ]) {
      expect(await counted(err)).toEqual([]);
    }
  });

  it('when the count cannot be written, then a warning is logged and the refusal still goes on', async () => {
    const { logger, lines } = logCapture();
    const counter: FailedSignInCounter = {
      count: () => Promise.resolve(0),
      add: () => Promise.reject(new Error('database is locked')),
      prune: () => Promise.resolve(),
    };
    const refusal = new AppError(401, 'Invalid state parameter.', { code: 'invalid_state' });
    const count = countFailedSignIns({ limit: 3, counter, now: () => at, logger });
    expect((await run(count as never, refusal)).passed).toBe(refusal);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'failed sign-in not counted',
      err: { message: 'database is locked' },
    });
  });
});
