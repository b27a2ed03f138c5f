import type { SqliteDatabase } from './database.js';
import { settle } from '../../core/settle.js';
import type { FailedSignInCounter } from '../failed-sign-ins.js';

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
  const release = prepareAttemptRelease(db);
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
        release(clientKey, windowStart);
      }),
    prune: (windowStart) =>
      settle(() => {
        prune.run(windowStart);
      }),
  };
}

/** Gives back an attempt `reserve` took; never below zero (also inside a sign-in's transaction). */
export function prepareAttemptRelease(
  db: SqliteDatabase,
): (clientKey: string, windowStart: number) => void {
  const release = db.prepare<[string, number]>(
    `UPDATE failed_sign_ins SET failures = failures - 1
     WHERE client_key = ? AND window_start = ? AND failures > 0`,
  );
  return (clientKey, windowStart) => {
    release.run(clientKey, windowStart);
  };
}
