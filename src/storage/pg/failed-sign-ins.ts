import type pg from 'pg';
import type { FailedSignInCounter } from '../failed-sign-ins.js';

/** Gives back an attempt `reserve` took; never below zero (also a sign-in's CTE). */
export const PG_RELEASE_ATTEMPT = `UPDATE failed_sign_ins SET failures = failures - 1
  WHERE client_key = $1 AND window_start = $2 AND failures > 0`;

export function createPgFailedSignIns(pool: pg.Pool): FailedSignInCounter {
  return {
    async count(clientKey, windowStart) {
      const { rows } = await pool.query<{ failures: number }>(
        'SELECT failures FROM failed_sign_ins WHERE client_key = $1 AND window_start = $2',
        [clientKey, windowStart],
      );
      return rows[0]?.failures ?? 0;
    },
    async reserve(clientKey, windowStart, limit) {
      if (limit < 1) return false;
      // One upsert: ON CONFLICT locks the row and checks the WHERE against its latest version,
      // so attempts on several instances at once never take more than `limit` between them.
      const { rowCount } = await pool.query(
        `INSERT INTO failed_sign_ins (client_key, window_start, failures) VALUES ($1, $2, 1)
         ON CONFLICT (client_key, window_start)
         DO UPDATE SET failures = failed_sign_ins.failures + 1
         WHERE failed_sign_ins.failures < $3`,
        [clientKey, windowStart, limit],
      );
      return rowCount === 1;
    },
    async release(clientKey, windowStart) {
      await pool.query(PG_RELEASE_ATTEMPT, [clientKey, windowStart]);
    },
    async prune(windowStart) {
      await pool.query('DELETE FROM failed_sign_ins WHERE window_start < $1', [windowStart]);
    },
  };
}
