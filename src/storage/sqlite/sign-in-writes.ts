import { settle } from '../../core/settle.js';
import { SECURITY_LOG_KEEP } from '../security-log.js';
import { indexColumns } from '../session-table.js';
import type { SignInWrite, SignInWrites } from '../sign-in-writes.js';
import type { User } from '../user-store.js';
import type { SqliteDatabase } from './database.js';
import { prepareAttemptRelease } from './failed-sign-ins.js';
import { prepareGrantSave } from './grant-store.js';
import { prepareSecurityLogRecord } from './security-log.js';
import { prepareUserUpsert } from './user-store.js';

/**
 * A sign-in's writes in one db.transaction(): better-sqlite3 is synchronous, so the grant is
 * sealed and the session row built by the caller's callbacks between two statements of the same
 * transaction (the stores share this connection). Seven statements (six without tokens, one more
 * when the limiter's attempt is given back), one commit.
 */
export function createSqliteSignInWrites(db: SqliteDatabase): SignInWrites {
  const upsertUser = prepareUserUpsert(db);
  const saveGrant = prepareGrantSave(db);
  const record = prepareSecurityLogRecord(db);
  const giveBackAttempt = prepareAttemptRelease(db);
  const removeSession = db.prepare('DELETE FROM sessions WHERE sid = ?');
  const insertSession = db.prepare(
    `INSERT INTO sessions (sid, sess, expires_at, user_id, public_id, created_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  // The newest `keep` of the user's other live sessions stay; the new one is not among those
  // counted, so it is never the one evicted (not even beside sessions created in the same ms).
  const evictOthers = db.prepare(
    `DELETE FROM sessions WHERE sid IN (
       SELECT sid FROM sessions WHERE user_id = ? AND expires_at > ? AND sid <> ?
       ORDER BY created_at DESC, sid LIMIT -1 OFFSET ?)`,
  );

  const commit = db.transaction((w: SignInWrite): User => {
    const now = new Date(w.nowMs);
    const user = upsertUser(w.profile, now);
    if (w.grant) saveGrant(user.id, w.grant(user.id), now);
    removeSession.run(w.oldSid);
    const row = w.session(user);
    insertSession.run(row.sid, row.sess, row.expiresAt, ...indexColumns(row.index));
    evictOthers.run(user.id, w.nowMs, row.sid, w.maxSessions - 1);
    record(user.id, w.log, w.logKeep ?? SECURITY_LOG_KEEP);
    if (w.attempt) giveBackAttempt(w.attempt.clientKey, w.attempt.windowStart);
    return user;
  });

  return { commit: (w) => settle(() => commit(w)) };
}
