import express, { type Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from './app.js';
import { logStartup } from './create-gconnect.js';
import type { Config } from '../config/resolve.js';
import { watchForDrain } from '../http/drain.js';
import { withFinalHandler } from '../http/error-handler.js';
import { createLogger, flushLogger } from '../core/logger.js';
import {
  createTimedServer,
  DEFAULT_SERVER_TIMEOUTS,
  type ServerTimeouts,
} from '../http/server-timeouts.js';
import { createGconnect, type Gconnect, type GconnectOptions } from '../index.js';
import { explainListenError } from './startup-errors.js';
import type { SqliteDatabase } from '../storage/sqlite/database.js';
import type { TableSessionStore } from '../http/session/table-session-store.js';

export interface RunningServer {
  url: string;
  server: Server;
  /** The Express app the server runs (tests read its routes). */
  app: Express;
  /** gconnect as the server composed it (its router is mounted on `app`). */
  gconnect: Gconnect;
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

/**
 * The standalone server: gconnect (createGconnect, as any host app uses it) mounted on an app of
 * its own with gconnect's home page, 404 and error page, listening on HOST:PORT.
 */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  logStartup(logger, config);
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.serverTimeouts };
  const server = createTimedServer(timeouts);
  // Watching before the app handles a request, so a drain can mark every response.
  const drain = watchForDrain(server);
  let inside!: { db: SqliteDatabase | undefined; sessionStore: TableSessionStore };
  const gconnect = await createGconnect(
    { ...optionsOf(config), logger, ...(options.now ? { now: options.now } : {}) },
    {
      reportStartup: false,
      isDraining: () => drain.isDraining(),
      opened: (opened) => (inside = opened),
      ...(options.app ? { app: options.app } : {}),
      ...(options.SessionStore ? { SessionStore: options.SessionStore } : {}),
    },
  );
  const app = standaloneApp(gconnect, config);

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
    await gconnect.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000, acceptForMs = config.shutdownAcceptMs) =>
    (closing ??= drain.drain(graceMs, acceptForMs).then(async () => {
      await gconnect.close();
      await flushLogger(logger);
    }));

  return {
    url: `http://${host}:${port}`,
    server,
    app,
    gconnect,
    logger,
    db: inside.db,
    sessionStore: inside.sessionStore,
    close,
  };
}

/** The host app of the standalone server: gconnect's router, then its home page and 404. */
function standaloneApp(gconnect: Gconnect, config: Config): Express {
  const app = express();
  app.disable('x-powered-by');
  // The router inherits it (an Express sub-app takes the settings it leaves unset from its host).
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.use(gconnect.router);
  app.get('/', gconnect.pages.home);
  app.use(gconnect.pages.notFound);
  app.use(gconnect.pages.errorHandler);
  return app;
}

/** The environment's settings as createGconnect's options (the server owns the listening ones). */
function optionsOf(config: Config): GconnectOptions {
  const { database, google } = config;
  return {
    production: config.production,
    google: {
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      ...(google.emulatorUrl === undefined ? {} : { emulatorUrl: google.emulatorUrl }),
      timeoutMs: google.timeoutMs,
      scopes: google.scopes,
      nativeClientIds: google.nativeClientIds,
    },
    database: database.kind === 'sqlite' ? `file:${database.path}` : database.url,
    sqlite: { busyTimeoutMs: config.databaseBusyTimeoutMs },
    ...(database.kind === 'postgres'
      ? {
          postgres: {
            poolSize: database.poolSize,
            connectTimeoutMs: database.connectTimeoutMs,
            statementTimeoutMs: database.statementTimeoutMs,
            idleInTransactionTimeoutMs: database.idleInTransactionTimeoutMs,
            applicationName: database.applicationName,
          },
        }
      : {}),
    ...(config.sessionSecrets ? { sessionSecrets: config.sessionSecrets } : {}),
    ...(config.tokenEncryptionKeys ? { tokenKeys: config.tokenEncryptionKeys } : {}),
    ...(config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl }),
    allowedAccounts: config.allowedAccounts,
    rateLimitPerMinute: config.rateLimitPerMinute,
    session: {
      idleMinutes: config.session.idleTimeoutMs / 60_000,
      absoluteHours: config.session.absoluteTimeoutMs / 3_600_000,
    },
    ...config.gsi,
    ...definedOnly(config.policies),
    maxSessionsPerUser: config.maxSessionsPerUser,
    accountReauthMinutes: config.accountReauthMs / 60_000,
    dataDir: config.dataDir,
    headersAndLogs: 'every-path',
  };
}

/** The entries whose value is set: an option given as undefined would not read as unset. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
