import type { SqliteDatabase } from './database.js';
import { settle } from '../core/settle.js';

/** What the account page's security log lists. */
export type SecurityLogKind =
  'sign-in' | 'sign-out' | 'disconnect' | 'sessions-revoked' | 'google-event';

export interface SecurityLogEntry {
  kind: SecurityLogKind;
  /** A short, non-secret detail: the sign-in method, a count, Google's event type. */
  detail: string | null;
  atMs: number;
}

/**
 * The user's security log, bounded: each record keeps only the user's newest `keep` entries,
 * so a busy account cannot grow the table without end. Deleted with the user (cascade).
 */
export interface SecurityLog {
  record(userId: number, entry: SecurityLogEntry, keep?: number): Promise<void>;
  /** Newest first. */
  list(userId: number): Promise<SecurityLogEntry[]>;
}

/** Entries kept per user. */
export const SECURITY_LOG_KEEP = 50;

interface Row {
  kind: SecurityLogKind;
  detail: string | null;
  atMs: number;
}

export function createSqliteSecurityLog(db: SqliteDatabase): SecurityLog {
  const insert = db.prepare(
    'INSERT INTO security_log (user_id, kind, detail, at) VALUES (?, ?, ?, ?)',
  );
  const trim = db.prepare(
    `DELETE FROM security_log WHERE user_id = ? AND id NOT IN (
       SELECT id FROM security_log WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?)`,
  );
  const byUser = db.prepare<[number], Row>(
    `SELECT kind, detail, at AS atMs FROM security_log WHERE user_id = ?
     ORDER BY at DESC, id DESC`,
  );
  const recordAndTrim = db.transaction((userId: number, entry: SecurityLogEntry, keep: number) => {
    insert.run(userId, entry.kind, entry.detail, entry.atMs);
    trim.run(userId, userId, keep);
  });
  return {
    record: (userId, entry, keep = SECURITY_LOG_KEEP) =>
      settle(() => recordAndTrim(userId, entry, keep)),
    list: (userId) => settle(() => byUser.all(userId)),
  };
}
