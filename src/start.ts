import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './app.js';
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
import { openPgStorage } from './storage/pg/pg-storage.js';
import { TableSessionStore } from './storage/session-store.js';
import { openSqliteStorage } from './storage/sqlite-storage.js';
import type { Storage } from './storage/storage.js';

export interface RunningServer {
  url: string;
  server: Server;
  logger: Logger;
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
  /** Connection deadlines; tests shorten them. */
  serverTimeouts?: Partial<ServerTimeouts>;
}

export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const storage = await openStorage(config, logger);
  const { users, ledger } = storage;
  const sessionStore = new TableSessionStore(storage.sessions, {
    now,
    // At most one expiry write per session every few minutes (see TableSessionStore).
    touchAfterMs: Math.min(5 * 60_000, config.session.idleTimeoutMs / 4),
    onPrune: (nowMs) => storage.pruneExpired(nowMs),
    onError: (err) =>
      logger.warn({ err: { message: (err as Error).message } }, 'session prune failed'),
  });
  const google = createGoogleClient({
    clientId: config.google.clientId,
    clientSecret: config.google.clientSecret,
    endpoints: googleEndpoints(config.google.emulatorUrl),
    timeoutMs: config.google.timeoutMs,
    now,
  });
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.serverTimeouts };
  const server = createTimedServer(timeouts);
  // Watching before the app handles a request, so a drain can mark every response.
  const drain = watchForDrain(server);
  const app = createApp({
    config: {
      production: config.production,
      sessionSecrets: config.sessionSecrets ?? [devSessionSecret(config.dataDir)],
      session: config.session,
      trustProxy: config.trustProxy,
      emulator: config.google.emulatorUrl !== undefined,
      rateLimitPerMinute: config.rateLimitPerMinute,
      allowedAccounts: config.allowedAccounts,
    },
    users,
    sessionStore,
    ledger,
    failedSignIns: storage.failedSignIns,
    google,
    logger,
    now,
    readiness: {
      isDraining: drain.isDraining,
      checkDatabase: async () => {
        await users.ping();
        if (!(await storage.migrationsCurrent())) throw new Error('database schema is not current');
      },
    },
  });

  server.on('request', app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= drain.drain(graceMs).then(async () => {
      sessionStore.close();
      google.close();
      await storage.close().catch((err: unknown) => {
        logger.warn({ err: { message: (err as Error).message } }, 'database close failed');
      });
    }));

  return { url: `http://${host}:${port}`, server, logger, close };
}

/** The composition root's one engine choice: DATABASE_URL's scheme picks the implementations. */
function openStorage(config: Config, logger: Logger): Promise<Storage> | Storage {
  const { database } = config;
  if (database.kind === 'postgres') return openPgStorage(database, logger);
  return openSqliteStorage(database.path, { busyTimeoutMs: config.databaseBusyTimeoutMs });
}
