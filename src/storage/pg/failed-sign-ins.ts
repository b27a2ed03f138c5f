import type pg from 'pg';
import type { FailedSignInCounter } from '../failed-sign-ins.js';

export function createPgFailedSignIns(pool: pg.Pool): FailedSignInCounter {
  return {
    async count(clientKey, windowStart) {
      const { rows } = await pool.query<{ failures: number }>(
        'SELECT failures FROM failed_sign_ins WHERE client_key = $1 AND window_start = $2',
        [clientKey, windowStart],
      );
      return rows[0]?.failures ?? 0;
    },
    async add(clientKey, windowStart) {
      // One upsert: failures on several instances at once each add exactly one.
      const { rows } = await pool.query<{ failures: number }>(
        `INSERT INTO failed_sign_ins (client_key, window_start, failures) VALUES ($1, $2, 1)
         ON CONFLICT (client_key, window_start)
         DO UPDATE SET failures = failed_sign_ins.failures + 1
         RETURNING failures`,
        [clientKey, windowStart],
      );
      return rows[0]?.failures ?? 1;
    },
    async prune(windowStart) {
      await pool.query('DELETE FROM failed_sign_ins WHERE window_start < $1', [windowStart]);
    },
  };
}
