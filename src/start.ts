import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { googleEndpoints } from './google/endpoints.js';
import { createGoogleClient } from './google/google-client.js';
import { createLogger } from './http/logger.js';
import { devSessionSecret } from './session-secret.js';
import { openPgStorage } from './storage/pg/pg-storage.js';
import { TableSessionStore } from './storage/session-store.js';
import { openSqliteStorage } from './storage/sqlite-storage.js';
import type { Storage } from './storage/storage.js';
import { devTokenKeys } from './grants/dev-token-keys.js';
import { createGoogleGrants } from './grants/google-grants.js';
import { createTokenCipher } from './grants/token-cipher.js';

export interface RunningServer {
  url: string;
  server: Server;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  close(graceMs?: number): Promise<void>;
}

/** Wires the real dependencies from a validated config and listens. */
export interface StartOptions {
  logger?: Logger;
  /** The clock, for tests of expiry. */
  now?: () => number;
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
  const app = createApp({
    config: {
      production: config.production,
      sessionSecrets: config.sessionSecrets ?? [devSessionSecret(config.dataDir)],
      session: config.session,
      trustProxy: config.trustProxy,
      emulator: config.google.emulatorUrl !== undefined,
      rateLimitPerMinute: config.rateLimitPerMinute,
      allowedAccounts: config.allowedAccounts,
      googleScopes: config.google.scopes,
      maxSessionsPerUser: config.maxSessionsPerUser,
      accountReauthMs: config.accountReauthMs,
    },
    users,
    sessionStore,
    ledger,
    failedSignIns: storage.failedSignIns,
    google,
    grants: createGoogleGrants({
      store: storage.grants,
      cipher: createTokenCipher(config.tokenEncryptionKeys ?? devTokenKeys(config.dataDir)),
      google,
      logger,
      now,
      googleTimeoutMs: config.google.timeoutMs,
    }),
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
        storage.close().then(resolve, (err: unknown) => {
          logger.warn({ err: { message: (err as Error).message } }, 'database close failed');
          resolve();
        });
      });
      // Keep-alive connections with no request in flight would hold close() open.
      server.closeIdleConnections();
    }));

  return { url: `http://${host}:${port}`, server, logger, close };
}

/** The composition root's one engine choice: DATABASE_URL's scheme picks the implementations. */
export function openStorage(config: Config, logger: Logger): Promise<Storage> | Storage {
  const { database } = config;
  if (database.kind === 'postgres') return openPgStorage(database, logger);
  return openSqliteStorage(database.path, { busyTimeoutMs: config.databaseBusyTimeoutMs });
}
