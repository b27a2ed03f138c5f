import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type SqliteDatabase = Database.Database;

export interface DatabaseOptions {
  /** How long a writer waits for another connection's lock before SQLITE_BUSY (ms). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 * WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode stays crash-safe
 * (a power cut can lose the last commits, never corrupt the file) and spares an fsync per commit.
 */
export function openDatabase(path: string, options: DatabaseOptions = {}): SqliteDatabase {
  // For `:memory:` the preparation would do nothing (mkdir of `.`): an equivalent mutant.
  if (path !== ':memory:') prepareOwnerOnlyFiles(path);
  const db = new Database(path);
  // busy_timeout first: switching a fresh file to WAL needs a lock another process may hold.
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * The database holds sessions and sealed Google tokens, and sits beside the generated secrets
 * (0600): it is the owner's only, like them. SQLite creates its -wal and -shm with the mode of
 * the database file, so the file is made 0600 before SQLite opens it; files an older version
 * left readable (0644) are narrowed. A folder made here is 0700; one the operator made is theirs.
 */
function prepareOwnerOnlyFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch {
    return; // not a file we can write (a folder, no permission): SQLite's open names the problem
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  for (const companion of [`${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(companion, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
