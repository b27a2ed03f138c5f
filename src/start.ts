import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp, type AppConfig } from './app.js';
import { redactUrl, type Config } from './config.js';
import { googleEndpoints } from './google/endpoints.js';
import { createGoogleClient } from './google/google-client.js';
import { watchForDrain } from './http/drain.js';
import { withFinalHandler } from './http/error-handler.js';
import { createLogger, flushLogger } from './http/logger.js';
import {
  createTimedServer,
  DEFAULT_SERVER_TIMEOUTS,
  type ServerTimeouts,
} from './http/server-timeouts.js';
import { devSessionSecret } from './session-secret.js';
import {
  explainDatabaseError,
  explainListenError,
  explainPostgresError,
} from './startup-errors.js';
import { describeStartup, startupWarnings } from './startup-report.js';
import type { SqliteDatabase } from './storage/database.js';
import { openPgStorage } from './storage/pg/pg-storage.js';
import { TableSessionStore } from './storage/session-store.js';
import { openSqliteStorage } from './storage/sqlite-storage.js';
import type { Storage } from './storage/storage.js';
import { devTokenKeys } from './grants/dev-token-keys.js';
import { createGoogleGrants } from './grants/google-grants.js';
import { createTokenCipher } from './grants/token-cipher.js';
import { createRefreshTokenMacer } from './grants/refresh-token-macs.js';

export interface RunningServer {
  url: string;
  server: Server;
  /** The Express app the server runs (tests read its routes). */
  app: Express;
  logger: Logger;
  /**
   * The app's own SQLite connection (undefined on PostgreSQL) and session store: tests reach in
   * to fail them on purpose.
   */
  db: SqliteDatabase | undefined;
  sessionStore: TableSessionStore;
  /**
   * Drains: /readyz turns 503 at once, responses still to be sent carry `Connection: close`,
   * new requests are served for `acceptForMs` (SHUTDOWN_ACCEPT_MS by default) and refused with
   * 503 after it, in-flight requests finish (up to `graceMs`), then the database closes.
   */
  close(graceMs?: number, acceptForMs?: number): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** The clock, for tests of expiry. */
  now?: () => number;
  /** Tests only: app settings the environment rightly refuses (production cookies against the emulator). */
  app?: Partial<AppConfig>;
  /** Tests only: another session store class on the same table (one that fails on demand). */
  SessionStore?: typeof TableSessionStore;
  /** Connection deadlines; tests shorten them. */
  serverTimeouts?: Partial<ServerTimeouts>;
}

/** Wires the real dependencies from a validated config and listens. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  logStartup(logger, config);
  const storage = await openStorage(config, logger);
  const { users } = storage;
  const SessionStore = options.SessionStore ?? TableSessionStore;
  const sessionStore = new SessionStore(storage.sessions, {
    now,
    // At most one expiry write per session every few minutes (see TableSessionStore).
    touchAfterMs: Math.min(5 * 60_000, config.session.idleTimeoutMs / 4),
    // A failed prune (a busy database) is logged; the next tick tries again. Never a crash.
    onPrune: (nowMs) =>
      storage.pruneExpired(nowMs).catch((err: unknown) => {
        logPruneFailure(logger, 'state prune failed', err);
      }),
    onError: (err) => logPruneFailure(logger, 'session prune failed', err),
  });
  // A server restarted more often than the prune interval would otherwise never prune.
  sessionStore.pruneSafely();
  const google = createGoogleClient({
    clientId: config.google.clientId,
    clientSecret: config.google.clientSecret,
    endpoints: googleEndpoints(config.google.emulatorUrl),
    timeoutMs: config.google.timeoutMs,
    now,
    logger,
  });
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.serverTimeouts };
  const server = createTimedServer(timeouts);
  // Watching before the app handles a request, so a drain can mark every response.
  const drain = watchForDrain(server);
  const tokenKeys = config.tokenEncryptionKeys ?? devTokenKeys(config.dataDir);
  const app = createApp({
    config: {
      production: config.production,
      sessionSecrets: config.sessionSecrets ?? [devSessionSecret(config.dataDir)],
      session: config.session,
      trustProxy: config.trustProxy,
      baseUrl: config.baseUrl,
      emulator: config.google.emulatorUrl !== undefined,
      rateLimitPerMinute: config.rateLimitPerMinute,
      googleTimeoutMs: config.google.timeoutMs,
      allowedAccounts: config.allowedAccounts,
      gsi: config.gsi,
      googleScopes: config.google.scopes,
      maxSessionsPerUser: config.maxSessionsPerUser,
      accountReauthMs: config.accountReauthMs,
      ...options.app,
    },
    users,
    sessionStore,
    ledger: storage.ledger,
    failedSignIns: storage.failedSignIns,
    accountSecurity: storage.accountSecurity,
    securityEvents: storage.securityEvents,
    securityLog: storage.securityLog,
    google,
    grants: createGoogleGrants({
      store: storage.grants,
      cipher: createTokenCipher(tokenKeys),
      macer: createRefreshTokenMacer(tokenKeys),
      google,
      logger,
      now,
      googleTimeoutMs: config.google.timeoutMs,
    }),
    logger,
    now,
    readiness: {
      isDraining: () => drain.isDraining(),
      checkDatabase: async () => {
        await users.ping();
        if (!(await storage.migrationsCurrent()))
          throw new Error('database schema is not the expected version');
      },
    },
  });

  // Past the drain's accept window, refused before the app (and its session store) sees it.
  server.on('request', drain.admit(withFinalHandler(app, logger)));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(explainListenError(err, { ...config, variable: 'PORT' }));
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (err: unknown) => {
    // Nothing listens: release what was opened, so the caller can exit or retry cleanly.
    sessionStore.close();
    google.close();
    await closeStorage(storage, logger);
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000, acceptForMs = config.shutdownAcceptMs) =>
    (closing ??= drain.drain(graceMs, acceptForMs).then(async () => {
      await finishSignOuts(sessionStore, logger);
      sessionStore.close();
      google.close();
      await closeStorage(storage, logger);
      await flushLogger(logger);
    }));

  return {
    url: `http://${host}:${port}`,
    server,
    app,
    logger,
    db: storage.db,
    sessionStore,
    close,
  };
}

/** What the server runs as, then each setting that will not work as meant, with its fix. */
function logStartup(logger: Logger, config: Config): void {
  logger.info(describeStartup(config), 'starting');
  for (const warning of startupWarnings(config)) logger.warn(warning);
}

/** The composition root's one engine choice: DATABASE_URL's scheme picks the implementations. */
export async function openStorage(
  config: Config,
  logger: Logger,
): Promise<Storage & { db?: SqliteDatabase }> {
  const { database } = config;
  if (database.kind === 'postgres') {
    try {
      return await openPgStorage(database, logger);
    } catch (err) {
      throw explainPostgresError(err, redactUrl(database.url));
    }
  }
  try {
    return openSqliteStorage(database.path, { busyTimeoutMs: config.databaseBusyTimeoutMs });
  } catch (err) {
    throw explainDatabaseError(err, database.path);
  }
}

/**
 * Sign-outs whose delete the database refused are tried once more before the process goes: the
 * list is in memory only (see TableSessionStore.destroy), so what is still pending is logged.
 */
async function finishSignOuts(sessionStore: TableSessionStore, logger: Logger): Promise<void> {
  const pending = await sessionStore.retryRemovals();
  if (pending > 0) {
    logger.warn({ pending }, 'ended sessions whose rows the database refused to delete');
  }
}

/** A database that fails to close is logged; shutdown goes on. */
async function closeStorage(storage: Storage, logger: Logger): Promise<void> {
  try {
    await storage.close();
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'database close failed');
  }
}

/**
 * Background prunes are async: a rejection nobody handles (a busy database) would end the
 * process, so it is logged instead and the next tick retries.
 */
function logPruneFailure(logger: Logger, message: string, err: unknown): void {
  logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, message);
}
