import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createApp, type AppConfig } from './app.js';
import type { GconnectExtras } from '../config/extras.js';
export type { GconnectExtras } from '../config/extras.js';
import { redactUrl, type Config } from '../config/resolve.js';
import { googleEndpoints } from '../google/endpoints.js';
import { createGoogleClient } from '../google/google-client.js';
import { devTokenKeys } from '../grants/dev-token-keys.js';
import { createGoogleGrants } from '../grants/google-grants.js';
import { createRefreshTokenMacer } from '../grants/refresh-token-macs.js';
import { createTokenCipher } from '../grants/token-cipher.js';
import { errorHandler, notFound } from '../http/error-handler.js';
import { requireSignIn } from '../http/require-sign-in.js';
import { requireGoogleFeature } from '../http/require-google-feature.js';
import { featureStatuses } from '../grants/scopes.js';
import { BASE_SCOPES } from '../signin/authorization-url.js';
import { currentUser } from '../http/page-state.js';
import { homePage } from '../routes/pages/pages.js';
import { devSessionSecret } from '../core/session-secret.js';
import { explainDatabaseError, explainPostgresError } from './startup-errors.js';
import { describeStartup, startupWarnings } from './startup-report.js';
import type { SqliteDatabase } from '../storage/sqlite/database.js';
import { openPgStorage } from '../storage/pg/pg-storage.js';
import { TableSessionStore } from '../http/session/table-session-store.js';
import { openSqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import type { Storage } from '../storage/storage.js';
import type { User, UserStore } from '../storage/user-store.js';

/** A signed-in user, as gconnect stores them (from their Google profile). */
export type GconnectUser = User;

/** What createGconnect gives the host. */
export interface Gconnect {
  /**
   * gconnect's routes (sign-in, account pages, `/me`, `/risc`, health, its static files) and the
   * session for every route mounted after it. An Express sub-app: mount it on the app itself,
   * at the root, with `app.use(gconnect.router)`.
   */
  router: Express;
  /**
   * Middleware for the host's own routes: a signed-in user goes on (see signedInUser); a browser
   * is redirected to `/login?returnTo=<this page>`; a JSON client gets 401 `{"error": "Not signed in."}`.
   */
  requireSignIn: RequestHandler;
  /**
   * The user requireSignIn let through on this request; undefined on a route that is not behind
   * requireSignIn (use currentUser there).
   */
  signedInUser(req: Request): GconnectUser | undefined;
  /** The signed-in user of this request's session, looked up (undefined when nobody is signed in). */
  currentUser(req: Request): Promise<GconnectUser | undefined>;
  /**
   * A valid Google access token of the user for the host's own Google API calls: the stored one,
   * or a refreshed one. `scopes` must all have been granted. Throws a GconnectError: 403 scope not
   * granted, 409 the user must reconnect Google, 502/504 Google failed.
   */
  googleAccessToken(userId: number, options?: { scopes?: readonly string[] }): Promise<string>;
  /**
   * Middleware for a host route that needs a named feature (`google.features`): a signed-in user
   * who granted all its scopes goes on (signedInUser works as behind requireSignIn). Without them
   * a browser is redirected (303) to `/account/google/connect?feature=NAME&returnTo=<this page>`
   * and comes back; a JSON client gets 403 `{"error": "scope_not_granted", "connectUrl": "…"}`.
   * Not signed in: as requireSignIn. Throws at once for a name that is not configured.
   */
  requireGoogleFeature(name: string): RequestHandler;
  /** gconnect's own pages for a host that wants them: its home page, 404 and error page. */
  pages: {
    home: RequestHandler;
    notFound: RequestHandler;
    errorHandler: ErrorRequestHandler;
  };
  /** The logger gconnect writes to. */
  logger: Logger;
  /**
   * Ends gconnect's timers, its Google client and its database connection (a pg.Pool passed in
   * as `database` is left open: its owner ends it). In-flight requests are the host's to drain first.
   */
  close(): Promise<void>;
}

/**
 * Hooks of this project's own tests (test/support/gconnect-factory.ts), never of the package's
 * API: createGconnect takes options only.
 */
export interface GconnectHooks {
  /** Tests only: router settings the options rightly refuse (production cookies on the emulator). */
  app?: Partial<AppConfig>;
  /** Tests only: another session store class on the same table (one that fails on demand). */
  SessionStore?: typeof TableSessionStore;
  /** Receives what the tests reach into. */
  opened?: (inside: { db: SqliteDatabase | undefined; sessionStore: TableSessionStore }) => void;
}

/** Wires the real dependencies from validated settings; it neither reads the environment nor listens. */
export async function composeGconnect(
  config: Config,
  extras: GconnectExtras,
  hooks: GconnectHooks = {},
): Promise<Gconnect> {
  const { logger, now } = extras;
  logStartup(logger, config);
  const storage = await openStorage(config, logger, extras.pool);
  const sessionStore = openSessionStore(config, storage, extras, hooks);
  const google = createGoogleClient({
    clientId: config.google.clientId,
    clientSecret: config.google.clientSecret,
    endpoints: googleEndpoints(config.google.emulatorUrl),
    timeoutMs: config.google.timeoutMs,
    now,
    logger,
  });
  const tokenKeys = config.tokenEncryptionKeys ?? devTokenKeys(config.dataDir);
  const grants = createGoogleGrants({
    store: storage.grants,
    cipher: createTokenCipher(tokenKeys),
    macer: createRefreshTokenMacer(tokenKeys),
    google,
    logger,
    now,
    googleTimeoutMs: config.google.timeoutMs,
    signInScopes: [...BASE_SCOPES, ...config.google.scopes],
  });
  const router = createApp({
    config: { ...routerConfig(config, extras), ...hooks.app },
    users: storage.users,
    sessionStore,
    ledger: storage.ledger,
    failedSignIns: storage.failedSignIns,
    accountSecurity: storage.accountSecurity,
    securityEvents: storage.securityEvents,
    securityLog: storage.securityLog,
    signInWrites: storage.signInWrites,
    google,
    grants,
    logger,
    now,
    readiness: {
      isDraining: extras.isDraining,
      checkDatabase: async () => {
        await storage.users.ping();
        if (!(await storage.migrationsCurrent()))
          throw new Error('database schema is not the expected version');
      },
    },
  });
  hooks.opened?.({ db: storage.db, sessionStore });

  let closing: Promise<void> | undefined;
  const users = storage.users;
  return {
    router,
    requireSignIn: requireSignIn(users),
    signedInUser: (req) => (req.res?.locals as { user?: User } | undefined)?.user,
    currentUser: async (req) => (req.session ? currentUser(req, users) : undefined),
    googleAccessToken: (userId, options) => grants.accessToken(userId, options),
    requireGoogleFeature: (name) => {
      const { features } = config.google;
      if (!Object.hasOwn(features, name)) {
        throw new Error(`requireGoogleFeature: "${name}" is not one of google.features`);
      }
      return requireGoogleFeature(users, name, async (userId, feature) => {
        const statuses = featureStatuses(await grants.summary(userId), features);
        return statuses[feature] === 'granted';
      });
    },
    pages: ownPages(router, config, extras, users),
    logger,
    close: () =>
      (closing ??= (async () => {
        await finishSignOuts(sessionStore, logger);
        sessionStore.close();
        google.close();
        await closeStorage(storage, logger);
      })()),
  };
}

function routerConfig(config: Config, extras: GconnectExtras): AppConfig {
  return {
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
    googleNativeClientIds: config.google.nativeClientIds,
    googleFeatures: config.google.features,
    maxSessionsPerUser: config.maxSessionsPerUser,
    accountReauthMs: config.accountReauthMs,
    page: { ...extras.page, appName: config.appName, ...config.policies },
    views: extras.views,
    headersAndLogs: extras.headersAndLogs,
  };
}

function openSessionStore(
  config: Config,
  storage: Storage,
  extras: GconnectExtras,
  hooks: GconnectHooks,
): TableSessionStore {
  const { logger } = extras;
  const SessionStore = hooks.SessionStore ?? TableSessionStore;
  const sessionStore = new SessionStore(storage.sessions, {
    now: extras.now,
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
  return sessionStore;
}

/**
 * gconnect's home, 404 and error pages for the host's app (the standalone server uses all three).
 * They render gconnect's views through the router, whatever the host's view settings are.
 */
function ownPages(
  router: Express,
  config: Config,
  extras: GconnectExtras,
  users: UserStore,
): Gconnect['pages'] {
  const renderHere = (res: Response) => {
    res.render = (view: string, data?: object) => {
      router.render(view, { ...res.locals, ...data }, (err, html) => {
        if (err) res.req.next?.(err);
        else res.send(html);
      });
    };
  };
  const home = homePage({ users, emulator: config.google.emulatorUrl !== undefined });
  const answerError = errorHandler(extras.logger, {
    allowedDomains: config.allowedAccounts.domains,
  });
  return {
    home: (req, res, next) => {
      renderHere(res);
      return home(req, res, next);
    },
    notFound,
    errorHandler: (err, req, res, next) => {
      renderHere(res);
      answerError(err, req, res, next);
    },
  };
}

/** What gconnect runs as, then each setting that will not work as meant, with its fix. */
function logStartup(logger: Logger, config: Config): void {
  logger.info(describeStartup(config), 'starting');
  for (const warning of startupWarnings(config)) logger.warn(warning);
}

/** The composition root's one engine choice: the database setting picks the implementations. */
export async function openStorage(
  config: Config,
  logger: Logger,
  pool?: pg.Pool,
): Promise<Storage & { db?: SqliteDatabase }> {
  const { database } = config;
  if (database.kind === 'postgres') {
    try {
      return await openPgStorage(database, logger, pool);
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
