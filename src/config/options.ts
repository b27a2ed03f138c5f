import type pg from 'pg';
import type { Logger, LoggerOptions } from 'pino';
import type { TokenKey } from '../core/token-keys.js';

/** The Google OAuth client: its ID and secret, or the JSON file Google Cloud Console gives. */
export type GoogleClientOptions = (
  | { clientId: string; clientSecret: string; clientSecretsFile?: undefined }
  | { clientSecretsFile: string; clientId?: undefined; clientSecret?: undefined }
) & {
  /** Talk to a Google emulator at this URL instead of Google (refused in production). */
  emulatorUrl?: string;
  /** Deadline of every call to Google, in ms. Default 5000. */
  timeoutMs?: number;
  /** Google scopes beyond `openid email profile` the sign-in asks for. Default none. */
  scopes?: string[];
  /** The app's own Android and iOS client IDs, whose ID tokens POST /auth/google/native accepts. */
  nativeClientIds?: string[];
  /**
   * Named features asked for in context, not at sign-in: `{ calendar: ['https://…/calendar.readonly'] }`.
   * GET /account/google/connect?feature=NAME asks for one; requireGoogleFeature(name) guards a route.
   */
  features?: Record<string, string[]>;
};

/**
 * createGconnect's options. Each is checked as the standalone server checks its environment
 * variable (docs/api.md names both); every problem is named in one ConfigError. The package
 * never reads process.env.
 */
export interface GconnectOptions {
  /** The OAuth client (required: the ID and secret, or the client secrets file). */
  google: GoogleClientOptions;
  /**
   * `'file:PATH'` (SQLite), `'postgres://USER:PASSWORD@HOST:PORT/DB'` (PostgreSQL), or a
   * `pg.Pool` the host owns (gconnect uses it, migrates its tables, and never ends it).
   * Default `'file:./data/app.db'`.
   */
  database?: string | pg.Pool;
  /** SQLite: how long a write waits for another connection's lock, in ms. Default 5000. */
  sqlite?: { busyTimeoutMs?: number };
  /** PostgreSQL given as a URL: the pool gconnect opens (ignored for a pg.Pool passed in). */
  postgres?: {
    /** Most connections held open. Default 10. */
    poolSize?: number;
    /** How long getting a connection may take before a request fails with 503, in ms. Default 5000. */
    connectTimeoutMs?: number;
    /** The server cancels a statement that runs longer, in ms. Default 5000. */
    statementTimeoutMs?: number;
    /** The server ends a connection idle inside a transaction this long, in ms. Default 10000. */
    idleInTransactionTimeoutMs?: number;
    /** The connections' name in pg_stat_activity. Default `'gconnect'`. */
    applicationName?: string;
  };
  /**
   * Secrets that sign the session cookie: the first signs, all verify (rotate by putting a new
   * one first). Required in production, each at least 32 characters; outside production one is
   * generated into `dataDir`.
   */
  sessionSecrets?: string[];
  /**
   * Keys that encrypt Google tokens at rest: `'id:base64-32-bytes,…'` as TOKEN_ENCRYPTION_KEYS,
   * or parsed keys. The first encrypts. Required in production; outside production one is
   * generated into `dataDir`.
   */
  tokenKeys?: string | TokenKey[];
  /** The public origin, `'https://app.example.com'`. Required in production. */
  baseUrl?: string;
  /** Production: Secure `__Host-` cookies, HSTS; secrets, token keys and baseUrl required. Default false. */
  production?: boolean;
  /**
   * NODE_ENV as the host's process has it, named by the startup report (gconnect reads no
   * environment variable itself); `production` decides the behaviour, and must agree with it.
   * Default: `'production'` when production, else `'development'`.
   */
  nodeEnv?: 'development' | 'test' | 'production';
  /** Who may sign in (either list); both empty (the default): any Google account. */
  allowedAccounts?: { domains?: string[]; emails?: string[] };
  /** Failed sign-in attempts per client address and minute; 0 turns the limit off. Default 30. */
  rateLimitPerMinute?: number;
  /** Session lifetimes: idle (minutes without a request, default 120), absolute (hours, default 24). */
  session?: { idleMinutes?: number; absoluteHours?: number };
  /** The Google button: `'popup'` (default) or `'redirect'`. */
  uxMode?: 'popup' | 'redirect';
  /** Show Google's own button ("Continue with Google", sign-in only) below the primary one. Default false. */
  googleButton?: boolean;
  /** Show the One Tap prompt on the sign-in page. Default false. */
  oneTap?: boolean;
  /** Let One Tap sign a returning user in without a click (needs oneTap). Default false. */
  autoSelect?: boolean;
  /**
   * Express's `trust proxy` for gconnect's router (a hop count, true, or names/addresses/CIDR
   * ranges). Unset (the default): the host app's own `trust proxy` setting applies.
   */
  trustProxy?: boolean | number | string;
  /** Concurrent sessions per user; at sign-in beyond it the oldest end. Default 20. */
  maxSessionsPerUser?: number;
  /** Ending sessions needs a sign-in at most this many minutes old. Default 10. */
  accountReauthMinutes?: number;
  /** Where generated development secrets live. Default: the SQLite file's folder, or `./data`. */
  dataDir?: string;
  /** A pino logger, or pino options for one gconnect makes. Default: JSON lines at `info` to stdout. */
  logger?: Logger | LoggerOptions;
  /** The clock (ms since the epoch), for tests of expiry. Default `Date.now`. */
  now?: () => number;
  /** The privacy policy linked in every page's footer; an https URL in production. Default none. */
  privacyPolicyUrl?: string;
  /** The terms of service linked in every page's footer; an https URL in production. Default none. */
  termsUrl?: string;
  /** The app's name in every page's header and title (1 to 60 characters). Default `'gconnect'`. */
  appName?: string;
  /** Links in the pages' header, e.g. `[{ href: '/dashboard', text: 'Dashboard' }]`. Default none. */
  links?: { href: string; text: string }[];
  /** A folder of EJS views searched before gconnect's own (same names: login, account, error…). */
  views?: string;
  /**
   * Where gconnect's security headers (CSP with nonces, HSTS…) and access log lines go: its own
   * paths only (the default), or every request that passes its router.
   */
  headersAndLogs?: 'own-paths' | 'every-path';
  /**
   * Asked by `/readyz` on every check: while it returns true (the host is shutting down), `/readyz`
   * answers 503 so the load balancer stops sending new requests. Default: never draining.
   */
  isDraining?: () => boolean;
}
