import type pg from 'pg';
import type { SessionTable } from '../session-store.js';

export function createPgSessionTable(pool: pg.Pool): SessionTable {
  return {
    async read(sid, nowMs) {
      const { rows } = await pool.query<{ sess: string; expires_at: string }>(
        'SELECT sess, expires_at FROM sessions WHERE sid = $1 AND expires_at > $2',
        [sid, nowMs],
      );
      return rows[0] && { sess: rows[0].sess, expiresAt: Number(rows[0].expires_at) };
    },
    async write(sid, sess, expiresAt) {
      await pool.query(
        `INSERT INTO sessions (sid, sess, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires_at = excluded.expires_at`,
        [sid, sess, expiresAt],
      );
    },
    async extend(sid, expiresAt) {
      await pool.query('UPDATE sessions SET expires_at = $1 WHERE sid = $2', [expiresAt, sid]);
    },
    async remove(sid) {
      await pool.query('DELETE FROM sessions WHERE sid = $1', [sid]);
    },
    async prune(nowMs) {
      const { rowCount } = await pool.query('DELETE FROM sessions WHERE expires_at <= $1', [nowMs]);
      return rowCount ?? 0;
    },
    async count(nowMs) {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE expires_at > $1',
        [nowMs],
      );
      return rows[0]?.n ?? 0;
    },
    async clear() {
      await pool.query('DELETE FROM sessions');
    },
    async removeByUser(userId) {
      // sess is JSON text; the user id is a number in it.
      const { rowCount } = await pool.query(
        "DELETE FROM sessions WHERE (sess::jsonb ->> 'userId') = $1",
        [String(userId)],
      );
      return rowCount ?? 0;
    },
  };
}
