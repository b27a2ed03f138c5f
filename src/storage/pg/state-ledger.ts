import type pg from 'pg';
import { hashState, type StateLedger } from '../state-ledger.js';

export function createPgStateLedger(pool: pg.Pool): StateLedger {
  return {
    async claim(state, expiresAtMs) {
      // The primary key decides: of two instances claiming one state, one inserts the row.
      const { rowCount } = await pool.query(
        'INSERT INTO used_states (state_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [hashState(state), expiresAtMs],
      );
      return rowCount === 1;
    },
    async prune(nowMs) {
      await pool.query('DELETE FROM used_states WHERE expires_at <= $1', [nowMs]);
    },
  };
}
