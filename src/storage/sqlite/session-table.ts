import type { SqliteDatabase } from './database.js';
import { indexColumns, type SessionTable } from '../session-table.js';
import { settle } from '../../core/settle.js';
import { userFromRow, type UserRow } from './user-store.js';

/** The session row with its user's revocation instant and, by LEFT JOIN, its user's columns. */
type ReadRow = { sess: string; expires_at: number; sessions_revoked_at: number | null } & (
  UserRow | { [K in keyof UserRow]: null }
);

/** The session rows on the app's SQLite database. */
export function createSqliteSessionTable(db: SqliteDatabase): SessionTable {
  const stmts = {
    read: db.prepare<[string, number], ReadRow>(
      `SELECT s.sess, s.expires_at, a.sessions_revoked_at, u.id, u.google_sub, u.email,
         u.email_verified, u.name, u.picture, u.created_at, u.updated_at, u.last_login_at
       FROM sessions s LEFT JOIN account_security a ON a.user_id = s.user_id
         LEFT JOIN users u ON u.id = s.user_id
       WHERE s.sid = ? AND s.expires_at > ?`,
    ),
    write: db.prepare(
      `INSERT INTO sessions (sid, sess, expires_at, user_id, public_id, created_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires_at = excluded.expires_at,
         user_id = excluded.user_id, public_id = excluded.public_id,
         created_at = excluded.created_at, last_seen_at = excluded.last_seen_at`,
    ),
    update: db.prepare(
      `UPDATE sessions SET sess = ?, expires_at = ?, user_id = ?, public_id = ?, created_at = ?,
         last_seen_at = ? WHERE sid = ?`,
    ),
    extend: db.prepare('UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE sid = ?'),
    remove: db.prepare('DELETE FROM sessions WHERE sid = ?'),
    prune: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    count: db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM sessions WHERE expires_at > ?',
    ),
    clear: db.prepare('DELETE FROM sessions'),
    removeByUser: db.prepare('DELETE FROM sessions WHERE user_id = ?'),
    listByUser: db.prepare<
      [number, number],
      { publicId: string; sess: string; createdAt: number; lastSeenAt: number }
    >(
      `SELECT public_id AS publicId, sess, created_at AS createdAt, last_seen_at AS lastSeenAt
       FROM sessions WHERE user_id = ? AND expires_at > ? AND public_id IS NOT NULL
       ORDER BY created_at DESC, public_id`,
    ),
    removeByPublicId: db.prepare('DELETE FROM sessions WHERE user_id = ? AND public_id = ?'),
    removeOthers: db.prepare('DELETE FROM sessions WHERE user_id = ? AND public_id IS NOT ?'),
  };
  return {
    read: (sid, nowMs) =>
      settle(() => {
        const row = stmts.read.get(sid, nowMs);
        return (
          row && {
            sess: row.sess,
            expiresAt: row.expires_at,
            sessionsRevokedAt: row.sessions_revoked_at,
            user: row.id === null ? null : userFromRow(row),
          }
        );
      }),
    write: (sid, sess, expiresAt, index) =>
      settle(() => {
        stmts.write.run(sid, sess, expiresAt, ...indexColumns(index));
      }),
    update: (sid, sess, expiresAt, index) =>
      settle(() => {
        stmts.update.run(sess, expiresAt, ...indexColumns(index), sid);
      }),
    extend: (sid, expiresAt, seenAt) =>
      settle(() => {
        stmts.extend.run(expiresAt, seenAt, sid);
      }),
    remove: (sid) =>
      settle(() => {
        stmts.remove.run(sid);
      }),
    prune: (nowMs) =>
      settle(() => {
        return stmts.prune.run(nowMs).changes;
      }),
    count: (nowMs) =>
      settle(() => {
        // `SELECT count(*)` always returns one row: `?.` is for the type checker (equivalent mutant).
        return stmts.count.get(nowMs)?.n ?? 0;
      }),
    clear: () =>
      settle(() => {
        stmts.clear.run();
      }),
    removeByUser: (userId) => settle(() => stmts.removeByUser.run(userId).changes),
    listByUser: (userId, nowMs) => settle(() => stmts.listByUser.all(userId, nowMs)),
    removeByPublicId: (userId, publicId) =>
      settle(() => stmts.removeByPublicId.run(userId, publicId).changes),
    removeOthers: (userId, keepPublicId) =>
      settle(() => stmts.removeOthers.run(userId, keepPublicId).changes),
  };
}
