import type { SqliteDatabase } from './database.js';
import { settle } from '../../core/settle.js';
import {
  SECURITY_LOG_KEEP,
  type SecurityLogKind,
  type SecurityLogEntry,
  type SecurityLog,
} from '../security-log.js';

interface Row {
  kind: SecurityLogKind;
  detail: string | null;
  atMs: number;
}

/**
 * The entry and the trim to the newest `keep`, synchronous and with no transaction of its own:
 * for the log (which wraps it in one) and for a sign-in's transaction (sign-in-writes.ts).
 */
export function prepareSecurityLogRecord(
  db: SqliteDatabase,
): (userId: number, entry: SecurityLogEntry, keep: number) => void {
  const insert = db.prepare(
    'INSERT INTO security_log (user_id, kind, detail, at) VALUES (?, ?, ?, ?)',
  );
  const trim = db.prepare(
    `DELETE FROM security_log WHERE user_id = ? AND id NOT IN (
       SELECT id FROM security_log WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?)`,
  );
  return (userId, entry, keep) => {
    insert.run(userId, entry.kind, entry.detail, entry.atMs);
    trim.run(userId, userId, keep);
  };
}

export function createSqliteSecurityLog(db: SqliteDatabase): SecurityLog {
  const record = prepareSecurityLogRecord(db);
  const byUser = db.prepare<[number], Row>(
    `SELECT kind, detail, at AS atMs FROM security_log WHERE user_id = ?
     ORDER BY at DESC, id DESC`,
  );
  const recordAndTrim = db.transaction(record);
  return {
    record: (userId, entry, keep = SECURITY_LOG_KEEP) =>
      settle(() => recordAndTrim(userId, entry, keep)),
    list: (userId) => settle(() => byUser.all(userId)),
  };
}
