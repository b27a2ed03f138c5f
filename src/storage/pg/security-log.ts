import type pg from 'pg';
import { SECURITY_LOG_KEEP, type SecurityLog, type SecurityLogKind } from '../security-log.js';

export function createPgSecurityLog(pool: pg.Pool): SecurityLog {
  return {
    async record(userId, entry, keep = SECURITY_LOG_KEEP) {
      // One statement: the insert and the trim commit together.
      await pool.query(
        `WITH added AS (
           INSERT INTO security_log (user_id, kind, detail, at) VALUES ($1, $2, $3, $4)
         )
         DELETE FROM security_log WHERE user_id = $1 AND id NOT IN (
           SELECT id FROM security_log WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $5)`,
        [userId, entry.kind, entry.detail, entry.atMs, keep - 1],
      );
    },
    async list(userId) {
      const { rows } = await pool.query<{
        kind: SecurityLogKind;
        detail: string | null;
        at: string;
      }>('SELECT kind, detail, at FROM security_log WHERE user_id = $1 ORDER BY at DESC, id DESC', [
        userId,
      ]);
      return rows.map((r) => ({ kind: r.kind, detail: r.detail, atMs: Number(r.at) }));
    },
  };
}
