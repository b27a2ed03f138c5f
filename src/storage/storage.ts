import type { AccountSecurityStore, SecurityEventLedger } from './account-security.js';
import type { FailedSignInCounter } from './failed-sign-ins.js';
import type { GrantStore } from './grant-store.js';
import type { SecurityLog } from './security-log.js';
import type { SessionTable } from './session-table.js';
import type { SignInWrites } from './sign-in-writes.js';
import type { StateLedger } from './state-ledger.js';
import type { UserStore } from './user-store.js';

/**
 * Every shared table behind its interface, on one engine: SQLite (sqlite-storage.ts) or
 * PostgreSQL (pg/pg-storage.ts). The composition root (start.ts) picks one from DATABASE_URL;
 * nothing else knows which engine runs. A new table adds its store here and in both openers.
 */
export interface Storage {
  readonly engine: 'sqlite' | 'postgres';
  users: UserStore;
  ledger: StateLedger;
  failedSignIns: FailedSignInCounter;
  sessions: SessionTable;
  accountSecurity: AccountSecurityStore;
  securityEvents: SecurityEventLedger;
  /** The users' Google grants (tokens sealed by the app before they get here). */
  grants: GrantStore;
  /** The users' security logs, shown on the account page. */
  securityLog: SecurityLog;
  /** A sign-in's writes (user, grant, sessions, log), all in one transaction. */
  signInWrites: SignInWrites;
  /** Deletes the expired rows of every table but sessions (the session store prunes those). */
  pruneExpired(nowMs: number): Promise<void>;
  /** True when the database's schema is the version this code expects (readiness). */
  migrationsCurrent(): Promise<boolean>;
  close(): Promise<void>;
}

/** The fixed window of the failed-sign-in counter. */
export const FAILED_SIGN_IN_WINDOW_MS = 60_000;

/** Prunes the tables every engine shares the same way. */
export async function pruneSharedTables(storage: Storage, nowMs: number): Promise<void> {
  await storage.ledger.prune(nowMs);
  await storage.failedSignIns.prune(nowMs - FAILED_SIGN_IN_WINDOW_MS);
  await storage.securityEvents.prune(nowMs);
}
