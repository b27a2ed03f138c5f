import type pg from 'pg';
import { indexColumns, type SessionTable } from '../session-table.js';
import { userFromPgRow, type PgUserRow } from './user-store.js';

/** The session row with its user's revocation instant and, by LEFT JOIN, its user's columns. */
type ReadRow = { sess: string; expires_at: string; sessions_revoked_at: string | null } & (
  PgUserRow | { [K in keyof PgUserRow]: null }
);

export function createPgSessionTable(pool: pg.Pool): SessionTable {
  return {
    async read(sid, nowMs) {
      const { rows } = await pool.query<ReadRow>(
        `SELECT s.sess, s.expires_at, a.sessions_revoked_at, u.id, u.google_sub, u.email,
           u.email_verified, u.name, u.picture, u.created_at, u.updated_at, u.last_login_at
         FROM sessions s LEFT JOIN account_security a ON a.user_id = s.user_id
           LEFT JOIN users u ON u.id = s.user_id
         WHERE s.sid = $1 AND s.expires_at > $2`,
        [sid, nowMs],
      );
      const row = rows[0];
      return (
        row && {
          sess: row.sess,
          expiresAt: Number(row.expires_at),
          sessionsRevokedAt:
            row.sessions_revoked_at === null ? null : Number(row.sessions_revoked_at),
          user: row.id === null ? null : userFromPgRow(row),
        }
      );
    },
    async write(sid, sess, expiresAt, index) {
      await pool.query(
        `INSERT INTO sessions (sid, sess, expires_at, user_id, public_id, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires_at = excluded.expires_at,
           user_id = excluded.user_id, public_id = excluded.public_id,
           created_at = excluded.created_at, last_seen_at = excluded.last_seen_at`,
        [sid, sess, expiresAt, ...indexColumns(index)],
      );
    },
    async update(sid, sess, expiresAt, index) {
      await pool.query(
        `UPDATE sessions SET sess = $2, expires_at = $3, user_id = $4, public_id = $5,
           created_at = $6, last_seen_at = $7 WHERE sid = $1`,
        [sid, sess, expiresAt, ...indexColumns(index)],
      );
    },
    async extend(sid, expiresAt, seenAt) {
      await pool.query('UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE sid = $3', [
        expiresAt,
        seenAt,
        sid,
      ]);
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
      const { rowCount } = await pool.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
      return rowCount ?? 0;
    },
    async listByUser(userId, nowMs) {
      const { rows } = await pool.query<{
        public_id: string;
        sess: string;
        created_at: string;
        last_seen_at: string;
      }>(
        `SELECT public_id, sess, created_at, last_seen_at FROM sessions
         WHERE user_id = $1 AND expires_at > $2 AND public_id IS NOT NULL
         ORDER BY created_at DESC, public_id`,
        [userId, nowMs],
      );
      return rows.map((r) => ({
        publicId: r.public_id,
        sess: r.sess,
        createdAt: Number(r.created_at),
        lastSeenAt: Number(r.last_seen_at),
      }));
    },
    async removeByPublicId(userId, publicId) {
      const { rowCount } = await pool.query(
        'DELETE FROM sessions WHERE user_id = $1 AND public_id = $2',
        [userId, publicId],
      );
      return rowCount ?? 0;
    },
    async removeOthers(userId, keepPublicId) {
      const { rowCount } = await pool.query(
        'DELETE FROM sessions WHERE user_id = $1 AND public_id IS DISTINCT FROM $2',
        [userId, keepPublicId],
      );
      return rowCount ?? 0;
    },
  };
}
