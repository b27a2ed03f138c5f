import type { SqliteDatabase } from './database.js';
import { settle } from '../core/settle.js';

/**
 * Failed sign-in attempts per client address and fixed window (the rate limiter's memory).
 * In a table, so every instance on one database shares the count.
 *
 * An attempt is reserved before Google is called and counts as failed until it is given back:
 * a burst of concurrent attempts cannot all pass a count read before any of them failed.
 */
export interface FailedSignInCounter {
  /** Failures (and attempts still in flight) of `clientKey` in the window at `windowStart` (ms). */
  count(clientKey: string, windowStart: number): Promise<number>;
  /**
   * Takes one of the client's `limit` attempts in one atomic statement: true when the count was
   * under `limit` (it is now one higher), false when it was not (nothing written).
   */
  reserve(clientKey: string, windowStart: number, limit: number): Promise<boolean>;
  /** Gives back an attempt `reserve` took (it did not fail); never below zero. */
  release(clientKey: string, windowStart: number): Promise<void>;
  /** Forgets windows that started before `windowStart`. */
  prune(windowStart: number): Promise<void>;
}

export function createSqliteFailedSignIns(db: SqliteDatabase): FailedSignInCounter {
  const count = db.prepare<[string, number], { failures: number }>(
    'SELECT failures FROM failed_sign_ins WHERE client_key = ? AND window_start = ?',
  );
  // The WHERE applies to the conflicting row: at the limit, no row is updated and none returned.
  const reserve = db.prepare<[string, number, number], { failures: number }>(
    `INSERT INTO failed_sign_ins (client_key, window_start, failures) VALUES (?, ?, 1)
     ON CONFLICT (client_key, window_start) DO UPDATE SET failures = failures + 1
     WHERE failures < ?
     RETURNING failures`,
  );
  const release = db.prepare<[string, number]>(
    `UPDATE failed_sign_ins SET failures = failures - 1
     WHERE client_key = ? AND window_start = ? AND failures > 0`,
  );
  const prune = db.prepare('DELETE FROM failed_sign_ins WHERE window_start < ?');
  return {
    count: (clientKey, windowStart) =>
      settle(() => {
        return count.get(clientKey, windowStart)?.failures ?? 0;
      }),
    reserve: (clientKey, windowStart, limit) =>
      settle(() => {
        if (limit < 1) return false;
        return reserve.get(clientKey, windowStart, limit) !== undefined;
      }),
    release: (clientKey, windowStart) =>
      settle(() => {
        release.run(clientKey, windowStart);
      }),
    prune: (windowStart) =>
      settle(() => {
        prune.run(windowStart);
      }),
  };
}
