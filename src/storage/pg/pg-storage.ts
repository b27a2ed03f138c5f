import type pg from 'pg';
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
import { createPgSignInWrites } from './sign-in-writes.js';

/**
 * Every store on one PostgreSQL database (pooled, migrated): any number of instances share it.
 * A pool passed in (`given`) is used as it is and left open at close: its owner ends it.
 */
export async function openPgStorage(
  settings: PgSettings,
  logger: Logger,
  given?: pg.Pool,
): Promise<Storage> {
  const pool = given ?? createPgPool(settings, logger);
  const end = () => (given ? Promise.resolve() : pool.end());
  try {
    await migratePg(pool);
  } catch (err) {
    await end();
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
    signInWrites: createPgSignInWrites(pool),
    pruneExpired: (nowMs) => pruneSharedTables(storage, nowMs),
    async migrationsCurrent() {
      return (await currentVersion(pool)) === PG_SCHEMA_VERSION;
    },
    close: end,
  };
  return storage;
}
