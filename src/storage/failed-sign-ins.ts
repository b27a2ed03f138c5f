import type { SqliteDatabase } from './database.js';
import { settle } from '../settle.js';

/**
 * Failed sign-in attempts per client address and fixed window (the rate limiter's memory).
 * In a table, so every instance on one database shares the count.
 */
export interface FailedSignInCounter {
  /** Failures of `clientKey` in the window starting at `windowStart` (ms). */
  count(clientKey: string, windowStart: number): Promise<number>;
  /** Adds one failure in one atomic statement and returns the new count. */
  add(clientKey: string, windowStart: number): Promise<number>;
  /** Forgets windows that started before `windowStart`. */
  prune(windowStart: number): Promise<void>;
}

export function createSqliteFailedSignIns(db: SqliteDatabase): FailedSignInCounter {
  const count = db.prepare<[string, number], { failures: number }>(
    'SELECT failures FROM failed_sign_ins WHERE client_key = ? AND window_start = ?',
  );
  const add = db.prepare<[string, number], { failures: number }>(
    `INSERT INTO failed_sign_ins (client_key, window_start, failures) VALUES (?, ?, 1)
     ON CONFLICT (client_key, window_start) DO UPDATE SET failures = failures + 1
     RETURNING failures`,
  );
  const prune = db.prepare('DELETE FROM failed_sign_ins WHERE window_start < ?');
  return {
    count: (clientKey, windowStart) =>
      settle(() => {
        return count.get(clientKey, windowStart)?.failures ?? 0;
      }),
    add: (clientKey, windowStart) =>
      settle(() => {
        return add.get(clientKey, windowStart)?.failures ?? 1;
      }),
    prune: (windowStart) =>
      settle(() => {
        prune.run(windowStart);
      }),
  };
}
