import type { Logger } from 'pino';
import { pruneSharedTables, type Storage } from '../storage.js';
import { createPgAccountSecurityStore, createPgSecurityEventLedger } from './account-security.js';
import { createPgFailedSignIns } from './failed-sign-ins.js';
import { createPgGrantStore } from './grant-store.js';
import { currentVersion, migratePg, PG_SCHEMA_VERSION } from './migrations.js';
import { createPgPool, type PgSettings } from './pool.js';
import { createPgSessionTable } from './session-table.js';
import { createPgStateLedger } from './state-ledger.js';
import { createPgUserStore } from './user-store.js';
import { createPgSecurityLog } from './security-log.js';

/** Every store on one PostgreSQL database (pooled, migrated): any number of instances share it. */
export async function openPgStorage(settings: PgSettings, logger: Logger): Promise<Storage> {
  const pool = createPgPool(settings, logger);
  try {
    await migratePg(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const storage: Storage = {
    engine: 'postgres',
    users: createPgUserStore(pool),
    ledger: createPgStateLedger(pool),
    failedSignIns: createPgFailedSignIns(pool),
    sessions: createPgSessionTable(pool),
    accountSecurity: createPgAccountSecurityStore(pool),
    securityEvents: createPgSecurityEventLedger(pool),
    grants: createPgGrantStore(pool),
    securityLog: createPgSecurityLog(pool),
    pruneExpired: (nowMs) => pruneSharedTables(storage, nowMs),
    async migrationsCurrent() {
      return (await currentVersion(pool)) === PG_SCHEMA_VERSION;
    },
    close: () => pool.end(),
  };
  return storage;
}
