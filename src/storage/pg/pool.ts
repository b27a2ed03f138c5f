import pg from 'pg';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../../config/resolve.js';

export type PgSettings = Extract<DatabaseConfig, { kind: 'postgres' }>;

/**
 * The connection pool, every limit explicit. A request never waits longer than
 * connectTimeoutMs for a connection nor statementTimeoutMs for a statement, so a database
 * that is down or stuck turns into a quick 503 instead of a hung request; the client-side
 * query timeout also covers a server that stopped answering altogether (no TCP reset).
 */
export function createPgPool(settings: PgSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + settings.connectTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    application_name: settings.applicationName,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle connection that breaks (database restarted) emits 'error' on the pool; without a
  // listener Node would crash the process. The pool drops it and opens a new one when needed.
  pool.on('error', (err) => {
    logger.warn({ err: { message: err.message } }, 'idle database connection lost');
  });
  return pool;
}
