import { settle } from '../../core/settle.js';
import type { SqliteDatabase } from './database.js';
import { hashState, type StateLedger } from '../state-ledger.js';

export function createSqliteStateLedger(db: SqliteDatabase): StateLedger {
  const insert = db.prepare(
    'INSERT INTO used_states (state_hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  const prune = db.prepare('DELETE FROM used_states WHERE expires_at <= ?');
  return {
    claim: (state, expiresAtMs) =>
      settle(() => insert.run(hashState(state), expiresAtMs).changes === 1),
    prune: (nowMs) =>
      settle(() => {
        prune.run(nowMs);
      }),
  };
}
