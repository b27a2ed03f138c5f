import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp, type AppConfig } from './app.js';
import type { Config } from './config.js';
import { googleEndpoints } from './google/endpoints.js';
import { createGoogleClient } from './google/google-client.js';
import { watchForDrain } from './http/drain.js';
import { createLogger } from './http/logger.js';
import {
  createTimedServer,
  DEFAULT_SERVER_TIMEOUTS,
  type ServerTimeouts,
} from './http/server-timeouts.js';
import { devSessionSecret } from './session-secret.js';
import { explainDatabaseError, explainListenError } from './startup-errors.js';
import { describeStartup, startupWarnings } from './startup-report.js';
import {
  createSqliteAccountSecurityStore,
  createSqliteSecurityEventLedger,
} from './storage/account-security.js';
import { openDatabase, type SqliteDatabase } from './storage/database.js';
import { isSchemaCurrent } from './storage/migrations.js';
import { SqliteSessionStore } from './storage/session-store.js';
import { createSqliteStateLedger } from './storage/state-ledger.js';
import { createSqliteUserStore } from './storage/user-store.js';

export interface RunningServer {
  url: string;
  server: Server;
  /** The Express app the server runs (tests read its routes). */
  app: Express;
  logger: Logger;
  /** The app's own database connection and session store (tests reach in to fail them on purpose). */
  db: SqliteDatabase;
  sessionStore: SqliteSessionStore;
  /**
   * Drains: /readyz turns 503 at once, responses still to be sent carry `Connection: close`,
   * in-flight requests finish (up to `graceMs`), then the database closes.
   */
  close(graceMs?: number): Promise<void>;
}

/** Wires the real dependencies from a validated config and listens. */
export interface StartOptions {
  logger?: Logger;
  /** The clock, for tests of expiry. */
  now?: () => number;
  /** Tests only: app settings the environment rightly refuses (production cookies against the emulator). */
  app?: Partial<AppConfig>;
  /** Tests only: another session store class on the same database (one that fails on demand). */
  SessionStore?: typeof SqliteSessionStore;
  /** Connection deadlines; tests shorten them. */
  serverTimeouts?: Partial<ServerTimeouts>;
}

export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  logStartup(logger, config);
  const db = openSqlite(config);
  const users = createSqliteUserStore(db);
  const ledger = createSqliteStateLedger(db);
  const securityEvents = createSqliteSecurityEventLedger(db);
  const SessionStore = options.SessionStore ?? SqliteSessionStore;
  const sessionStore = new SessionStore(db, {
    now,
    onPrune: (now) => void ledger.prune(now),
    onError: (err) =>
      logger.warn({ err: { message: (err as Error).message } }, 'session prune failed'),
  });
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
  const app = createApp({
    config: {
      production: config.production,
      sessionSecrets: config.sessionSecrets ?? [devSessionSecret(dirname(config.databasePath))],
      session: config.session,
      trustProxy: config.trustProxy,
      baseUrl: config.baseUrl,
      emulator: config.google.emulatorUrl !== undefined,
      rateLimitPerMinute: config.rateLimitPerMinute,
      googleTimeoutMs: config.google.timeoutMs,
      allowedAccounts: config.allowedAccounts,
      ...options.app,
    },
    users,
    sessionStore,
    ledger,
    accountSecurity: createSqliteAccountSecurityStore(db),
    securityEvents,
    google,
    logger,
    now,
    readiness: {
      isDraining: drain.isDraining,
      checkDatabase: async () => {
        await users.ping();
        if (!isSchemaCurrent(db)) throw new Error('database schema is not the expected version');
      },
    },
  });

  server.on('request', app);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(explainListenError(err, { ...config, variable: 'PORT' }));
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch((err: unknown) => {
    // Nothing listens: release what was opened, so the caller can exit or retry cleanly.
    sessionStore.close();
    google.close();
    db.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= drain.drain(graceMs).then(() => {
      sessionStore.close();
      google.close();
      db.close();
    }));

  return { url: `http://${host}:${port}`, server, app, logger, db, sessionStore, close };
}

/** What the server runs as, then each setting that will not work as meant, with its fix. */
function logStartup(logger: Logger, config: Config): void {
  logger.info(describeStartup(config), 'starting');
  for (const warning of startupWarnings(config)) logger.warn(warning);
}

function openSqlite(config: Config): SqliteDatabase {
  try {
    return openDatabase(config.databasePath, { busyTimeoutMs: config.databaseBusyTimeoutMs });
  } catch (err) {
    throw explainDatabaseError(err, config.databasePath);
  }
}
