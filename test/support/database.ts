/** A read-only look at the app's database, beside the app's own connection. */
import Database from 'better-sqlite3';

export function openReader(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** Live sessions that are signed in (hold a user id). */
export function signedInSessions(db: Database.Database, nowMs = Date.now()): number {
  return (
    db
      .prepare(
        `SELECT count(*) AS n FROM sessions
         WHERE json_extract(sess, '$.userId') IS NOT NULL AND expires_at > ?`,
      )
      .get(nowMs) as { n: number }
  ).n;
}

export function userCount(db: Database.Database): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

export interface Snapshot {
  users: number;
  signedIn: number;
}

export function snapshot(db: Database.Database): Snapshot {
  return { users: userCount(db), signedIn: signedInSessions(db) };
}
