import { openDatabase, type DatabaseOptions } from './database.js';
import { createSqliteFailedSignIns } from './failed-sign-ins.js';
import { createSqliteGrantStore } from './grant-store.js';
import { SQLITE_SCHEMA_VERSION } from './migrations.js';
import { createSqliteSessionTable } from './session-store.js';
import { createSqliteStateLedger } from './state-ledger.js';
import { pruneSharedTables, type Storage } from './storage.js';
import { createSqliteUserStore } from './user-store.js';

/** Every store on one SQLite file (opened, migrated): the embedded default, one host. */
export function openSqliteStorage(path: string, options: DatabaseOptions = {}): Storage {
  const db = openDatabase(path, options);
  const storage: Storage = {
    engine: 'sqlite',
    users: createSqliteUserStore(db),
    ledger: createSqliteStateLedger(db),
    failedSignIns: createSqliteFailedSignIns(db),
    sessions: createSqliteSessionTable(db),
    grants: createSqliteGrantStore(db),
    pruneExpired: (nowMs) => pruneSharedTables(storage, nowMs),
    async migrationsCurrent() {
      return db.pragma('user_version', { simple: true }) === SQLITE_SCHEMA_VERSION;
    },
    async close() {
      db.close();
    },
  };
  return storage;
}
