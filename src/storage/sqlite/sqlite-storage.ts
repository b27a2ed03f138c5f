import {
  createSqliteAccountSecurityStore,
  createSqliteSecurityEventLedger,
} from './account-security.js';
import { openDatabase, type DatabaseOptions, type SqliteDatabase } from './database.js';
import { createSqliteFailedSignIns } from './failed-sign-ins.js';
import { createSqliteGrantStore } from './grant-store.js';
import { isSchemaCurrent } from './migrations.js';
import { createSqliteSessionTable } from './session-table.js';
import { createSqliteStateLedger } from './state-ledger.js';
import { pruneSharedTables, type Storage } from '../storage.js';
import { createSqliteUserStore } from './user-store.js';
import { createSqliteSecurityLog } from './security-log.js';
import { createSqliteSignInWrites } from './sign-in-writes.js';
import { settle } from '../../core/settle.js';

export interface SqliteStorage extends Storage {
  /** The connection itself (tests make it read-only or full on purpose). */
  db: SqliteDatabase;
}

/** Every store on one SQLite file (opened, migrated): the embedded default, one host. */
export function openSqliteStorage(path: string, options: DatabaseOptions = {}): SqliteStorage {
  const db = openDatabase(path, options);
  const storage: SqliteStorage = {
    engine: 'sqlite',
    db,
    users: createSqliteUserStore(db),
    ledger: createSqliteStateLedger(db),
    failedSignIns: createSqliteFailedSignIns(db),
    sessions: createSqliteSessionTable(db),
    accountSecurity: createSqliteAccountSecurityStore(db),
    securityEvents: createSqliteSecurityEventLedger(db),
    grants: createSqliteGrantStore(db),
    securityLog: createSqliteSecurityLog(db),
    signInWrites: createSqliteSignInWrites(db),
    pruneExpired: (nowMs) => pruneSharedTables(storage, nowMs),
    migrationsCurrent: () =>
      settle(() => {
        return isSchemaCurrent(db);
      }),
    close: () =>
      settle(() => {
        db.close();
      }),
  };
  return storage;
}
