import { createHash } from 'node:crypto';
import { settle } from '../core/settle.js';
import type { SqliteDatabase } from './database.js';

/**
 * Remembers which login states were already used. The session alone cannot guarantee single
 * use: two parallel requests read the same session before either writes it back. Claiming the
 * state's hash with one INSERT makes the first request win and every other one fail.
 */
export interface StateLedger {
  /** true for the first claim of this state, false if it was claimed before. */
  claim(state: string, expiresAtMs: number): Promise<boolean>;
  prune(nowMs: number): Promise<void>;
}

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

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
