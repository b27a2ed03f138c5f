import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp, type AppConfig } from './app.js';
import type { Config } from './config.js';
import { googleEndpoints } from './google/endpoints.js';
import { createGoogleClient } from './google/google-client.js';
import { createLogger } from './http/logger.js';
import { devSessionSecret } from './session-secret.js';
import { openDatabase, type SqliteDatabase } from './storage/database.js';
import { SqliteSessionStore } from './storage/session-store.js';
import { createSqliteStateLedger, type StateLedger } from './storage/state-ledger.js';
import { createSqliteUserStore } from './storage/user-store.js';

export interface RunningServer {
  url: string;
  server: Server;
  logger: Logger;
  /** The app's own database connection and session store (tests reach in to fail them on purpose). */
  db: SqliteDatabase;
  sessionStore: SqliteSessionStore;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** The clock, for tests of expiry. */
  now?: () => number;
  /** Tests only: app settings the environment rightly refuses (production cookies against the emulator). */
  app?: Partial<AppConfig>;
  /** Tests only: another session store class on the same database (one that fails on demand). */
  SessionStore?: typeof SqliteSessionStore;
}

/** Wires the real dependencies from a validated config and listens. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const db = openDatabase(config.databasePath, { busyTimeoutMs: config.databaseBusyTimeoutMs });
  const users = createSqliteUserStore(db);
  const ledger = createSqliteStateLedger(db);
  const SessionStore = options.SessionStore ?? SqliteSessionStore;
  const sessionStore = new SessionStore(db, {
    now,
    onPrune: pruneInBackground(ledger, logger),
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
  });
  const app = createApp({
    config: {
      production: config.production,
      sessionSecrets: config.sessionSecrets ?? [devSessionSecret(dirname(config.databasePath))],
      session: config.session,
      trustProxy: config.trustProxy,
      emulator: config.google.emulatorUrl !== undefined,
      rateLimitPerMinute: config.rateLimitPerMinute,
      allowedAccounts: config.allowedAccounts,
      ...options.app,
    },
    users,
    sessionStore,
    ledger,
    google,
    logger,
    now,
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        sessionStore.close();
        google.close();
        db.close();
        resolve();
      });
      // Keep-alive connections with no request in flight would hold close() open.
      server.closeIdleConnections();
    }));

  return { url: `http://${host}:${port}`, server, logger, db, sessionStore, close };
}

/**
 * The ledger's prune for the session store's timer. It is async: a rejection nobody handles
 * (a busy database) would end the process, so it is logged instead and the next tick retries.
 */
function pruneInBackground(ledger: StateLedger, logger: Logger): (nowMs: number) => void {
  return (nowMs) => {
    ledger.prune(nowMs).catch((err: unknown) => logPruneFailure(logger, 'state prune failed', err));
  };
}

function logPruneFailure(logger: Logger, message: string, err: unknown): void {
  logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, message);
}
