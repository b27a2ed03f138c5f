/**
 * Every setting of gconnect, declared once: its environment variable (the standalone server's),
 * its option (createGconnect's), what it means, its default and how its value is read. Both
 * readers (from-env.ts, from-options.ts) are derived from this table, so a default lives here
 * and nowhere else.
 */
import type pg from 'pg';
import type { TokenKey } from '../core/token-keys.js';

/** How one setting's value is read: from the variable's text, or from the option's value. */
export interface Kind<T> {
  /** The value of a non-empty variable; undefined when it is not one. */
  fromText(text: string): T | undefined;
  /** The value of an option that is set; undefined when it is not one. */
  fromValue(value: unknown): T | undefined;
  /** What a good value is, for the error: `PORT must be <rule.env>`, `port must be <rule.option>`. */
  rule: { env: string; option: string };
  /** The variable's error does not repeat what was given (`ONE_TAP must be on or off`). */
  quietEnv?: boolean;
  /** The variable's error in words of its own. */
  envMessage?: (name: string, text: string) => string;
}

export interface Setting<T> {
  /** The environment variable; undefined: an option only. */
  env?: string;
  /** The option's path in GconnectOptions (`google.timeoutMs`); undefined: the server's only. */
  option?: string;
  doc: string;
  default?: T;
  kind: Kind<T>;
  /** Its value never appears in an error. */
  secret?: boolean;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** A whole number within [min, max]; `rule` says the range in the error. */
function wholeNumber(min: number, max: number, rule: string): Kind<number> {
  const check = (n: unknown) =>
    typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  return {
    fromText: (text) => check(Number(text)),
    fromValue: check,
    rule: { env: rule, option: rule },
  };
}
const positiveInt = wholeNumber(1, Number.MAX_SAFE_INTEGER, 'a positive whole number');
const nonNegativeInt = wholeNumber(0, Number.MAX_SAFE_INTEGER, 'a whole number >= 0');

const text: Kind<string> = {
  fromText: (t) => t,
  fromValue: (v) => (isString(v) ? v : undefined),
  rule: { env: 'text', option: 'a string' },
};

/** One line of text a person reads (the app's name): not blank, at most 60 characters. */
const displayName: Kind<string> = {
  fromText: (t) => (t.trim() !== '' && t.length <= 60 && !/[\r\n]/.test(t) ? t.trim() : undefined),
  fromValue: (v) => (isString(v) ? displayName.fromText(v) : undefined),
  rule: { env: 'one line of 1 to 60 characters', option: 'a string of 1 to 60 characters' },
};

/** A switch: `on`/`off` in the environment, a boolean as an option. */
const onOff: Kind<boolean> = {
  fromText: (t) => (t === 'on' ? true : t === 'off' ? false : undefined),
  fromValue: (v) => (typeof v === 'boolean' ? v : undefined),
  rule: { env: 'on or off', option: 'true or false' },
  quietEnv: true,
};

function oneOf<T extends string>(values: readonly T[], rule: string): Kind<T> {
  const check = (v: unknown) => ((values as readonly unknown[]).includes(v) ? (v as T) : undefined);
  return { fromText: check, fromValue: check, rule: { env: rule, option: rule }, quietEnv: true };
}

/** A list: `separator`-separated text (entries trimmed, empty ones dropped), or an array of strings. */
function list(separator: RegExp, entry: (s: string) => string = (s) => s): Kind<string[]> {
  const clean = (entries: string[]) => entries.map((s) => entry(s.trim())).filter(Boolean);
  return {
    fromText: (t) => clean(t.split(separator)),
    fromValue: (v) => (Array.isArray(v) && v.every(isString) ? clean(v) : undefined),
    rule: { env: 'a list', option: 'an array of strings' },
  };
}

/**
 * Named features (incremental authorization): `name=scope scope,name=scope` in the variable, an
 * object of scope arrays as an option. The names and scopes are checked in resolve.ts, so each
 * bad one is named; here only the shape (an entry without `=`, a name twice) is refused.
 */
const features: Kind<Record<string, string[]>> = {
  fromText: (t) => {
    const out: Record<string, string[]> = {};
    for (const entry of t
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const at = entry.indexOf('=');
      const name = entry.slice(0, at).trim();
      if (at < 0 || Object.hasOwn(out, name)) return undefined;
      out[name] = entry
        .slice(at + 1)
        .split(/\s+/)
        .filter(Boolean);
    }
    return out;
  },
  fromValue: (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((s) => Array.isArray(s) && s.every(isString))
      ? { ...(v as Record<string, string[]>) }
      : undefined,
  rule: {
    env: 'name=scope scope,name=scope (each name once)',
    option: '{ name: [scope, …] }',
  },
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const NODE_ENVS = ['development', 'test', 'production'] as const;

/** NODE_ENV exactly as one of NODE_ENVS; the `production` option is its boolean. */
const mode: Kind<(typeof NODE_ENVS)[number]> = {
  fromText: (t) => ((NODE_ENVS as readonly string[]).includes(t) ? (t as 'test') : undefined),
  fromValue: (v) => (v === true ? 'production' : v === false ? 'development' : undefined),
  rule: { env: 'unset, development, test or production', option: 'true or false' },
  // A typo (`prod`, `Production`) would otherwise run development mode in production.
  envMessage: (name, t) =>
    `${name} must be unset, development, test or production (exactly, lower case), got "${t}".`,
};

/** The database: a URL, or (an option only) a pg.Pool the host owns. */
const database: Kind<string | pg.Pool> = {
  fromText: (t) => t,
  fromValue: (v) =>
    isString(v) || (typeof v === 'object' && v !== null && 'query' in v && 'connect' in v)
      ? (v as string | pg.Pool)
      : undefined,
  rule: { env: 'a URL', option: "'file:PATH', 'postgres://…' or a pg.Pool" },
};

/** Token keys: the variable's text, or (an option) the same text or parsed keys. */
const tokenKeys: Kind<string | TokenKey[]> = {
  fromText: (t) => t,
  fromValue: (v) =>
    isString(v) ||
    (Array.isArray(v) &&
      v.length > 0 &&
      v.every((k: { id?: unknown; key?: unknown }) => isString(k.id) && Buffer.isBuffer(k.key)))
      ? (v as string | TokenKey[])
      : undefined,
  rule: { env: 'id:base64 keys', option: "'id:base64-32-bytes,…' or [{ id, key: Buffer }]" },
};

/** Express's `trust proxy`: true/false, a hop count, or names/addresses/ranges (checked later). */
const trustProxy: Kind<boolean | number | string> = {
  fromText: (t) => (t === 'true' ? true : t === 'false' ? false : /^\d+$/.test(t) ? Number(t) : t),
  fromValue: (v) =>
    typeof v === 'boolean' ||
    isString(v) ||
    (typeof v === 'number' && Number.isInteger(v) && v >= 0)
      ? v
      : undefined,
  rule: { env: 'a proxy setting', option: 'a boolean, a hop count or a string' },
};

/** The table. Its order is the order problems are named in. */
export const SETTINGS = {
  mode: {
    env: 'NODE_ENV',
    option: 'production',
    doc: 'Production: Secure `__Host-` cookies, HSTS, and secrets, token keys and BASE_URL required.',
    default: 'development',
    kind: mode,
  },
  port: {
    env: 'PORT',
    doc: 'The port the standalone server listens on (0: any free port).',
    default: 3000,
    kind: wholeNumber(0, 65535, 'a port number (0-65535)'),
  },
  host: {
    env: 'HOST',
    doc: 'The address the standalone server listens on.',
    default: '127.0.0.1',
    kind: text,
  },
  sessionSecrets: {
    secret: true,
    env: 'SESSION_SECRET',
    option: 'sessionSecrets',
    doc: 'Secrets that sign the session cookie: the first signs, all verify (rotate by putting a new one first). Required in production, each at least 32 characters; outside production one is generated into dataDir.',
    kind: list(/,/),
  },
  database: {
    secret: true,
    env: 'DATABASE_URL',
    option: 'database',
    doc: '`file:PATH` (SQLite) or `postgres://USER:PASSWORD@HOST:PORT/DB` (PostgreSQL); as an option also a pg.Pool, which gconnect uses and never ends.',
    default: 'file:./data/app.db',
    kind: database,
  },
  clientSecretsFile: {
    env: 'GOOGLE_CLIENT_SECRETS',
    option: 'google.clientSecretsFile',
    doc: "The OAuth client's JSON file from Google Cloud Console, read when no client ID and secret are given.",
    default: './client_secrets.json',
    kind: text,
  },
  clientId: {
    env: 'GOOGLE_CLIENT_ID',
    option: 'google.clientId',
    doc: "The OAuth client's ID (with its secret, instead of the file).",
    kind: text,
  },
  clientSecret: {
    secret: true,
    env: 'GOOGLE_CLIENT_SECRET',
    option: 'google.clientSecret',
    doc: "The OAuth client's secret.",
    kind: text,
  },
  emulatorUrl: {
    env: 'GOOGLE_EMULATOR_URL',
    option: 'google.emulatorUrl',
    doc: 'Talk to a Google emulator at this URL instead of Google (refused in production).',
    kind: text,
  },
  googleTimeoutMs: {
    env: 'GOOGLE_TIMEOUT_MS',
    option: 'google.timeoutMs',
    doc: 'Deadline of every call to Google (ms).',
    default: 5000,
    kind: positiveInt,
  },
  sessionIdleMinutes: {
    env: 'SESSION_IDLE_MINUTES',
    option: 'session.idleMinutes',
    doc: 'A signed-in session ends after this many minutes without a request.',
    default: 120,
    kind: positiveInt,
  },
  sessionAbsoluteHours: {
    env: 'SESSION_ABSOLUTE_HOURS',
    option: 'session.absoluteHours',
    doc: 'A signed-in session ends this many hours after sign-in in any case.',
    default: 24,
    kind: positiveInt,
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    option: 'trustProxy',
    doc: "Express's `trust proxy` for gconnect's router: the number of proxies in front, true, loopback/linklocal/uniquelocal, or addresses/CIDR ranges. Unset: the host app's own setting.",
    kind: trustProxy,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    doc: `The standalone server's log level: ${LOG_LEVELS.join(', ')}.`,
    default: 'info',
    kind: text,
  },
  databaseBusyTimeoutMs: {
    env: 'DATABASE_BUSY_TIMEOUT_MS',
    option: 'sqlite.busyTimeoutMs',
    doc: "SQLite: how long a write waits for another connection's lock (ms).",
    default: 5000,
    kind: positiveInt,
  },
  rateLimitPerMinute: {
    env: 'RATE_LIMIT_PER_MINUTE',
    option: 'rateLimitPerMinute',
    doc: 'Failed sign-in attempts per client address and minute; 0 turns the limit off.',
    default: 30,
    kind: nonNegativeInt,
  },
  poolSize: {
    env: 'DATABASE_POOL_SIZE',
    option: 'postgres.poolSize',
    doc: 'PostgreSQL: most connections each instance holds open.',
    default: 10,
    kind: positiveInt,
  },
  connectTimeoutMs: {
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
    option: 'postgres.connectTimeoutMs',
    doc: 'PostgreSQL: how long getting a connection may take before the request fails with 503 (ms).',
    default: 5000,
    kind: positiveInt,
  },
  statementTimeoutMs: {
    env: 'DATABASE_STATEMENT_TIMEOUT_MS',
    option: 'postgres.statementTimeoutMs',
    doc: 'PostgreSQL: the server cancels any statement that runs longer (ms).',
    default: 5000,
    kind: positiveInt,
  },
  idleInTransactionTimeoutMs: {
    env: 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    option: 'postgres.idleInTransactionTimeoutMs',
    doc: 'PostgreSQL: the server ends a connection left idle inside a transaction this long (ms).',
    default: 10_000,
    kind: positiveInt,
  },
  applicationName: {
    env: 'DATABASE_APPLICATION_NAME',
    option: 'postgres.applicationName',
    doc: "PostgreSQL: the connections' name in pg_stat_activity.",
    default: 'gconnect',
    kind: text,
  },
  allowedDomains: {
    env: 'ALLOWED_DOMAINS',
    option: 'allowedAccounts.domains',
    doc: 'Only accounts of these Workspace domains may sign in (with allowed emails: either). Empty: any account.',
    default: [],
    kind: list(/,/, (s) => s.toLowerCase()),
  },
  allowedEmails: {
    env: 'ALLOWED_EMAILS',
    option: 'allowedAccounts.emails',
    doc: 'Only these addresses may sign in (with allowed domains: either). Empty: any account.',
    default: [],
    kind: list(/,/, (s) => s.toLowerCase()),
  },
  uxMode: {
    env: 'GSI_UX_MODE',
    option: 'uxMode',
    doc: "The Google button: 'popup' (the page gets the credential) or 'redirect' (Google posts it).",
    default: 'popup',
    kind: oneOf(['popup', 'redirect'] as const, 'popup or redirect'),
  },
  googleButton: {
    env: 'GSI_BUTTON',
    option: 'googleButton',
    doc: 'Show Google\'s own button ("Continue with Google", an ID token only: no access to Google while the user is away) below the sign-in page\'s primary button.',
    default: false,
    kind: onOff,
  },
  oneTap: {
    env: 'ONE_TAP',
    option: 'oneTap',
    doc: 'Show the One Tap prompt on the sign-in page.',
    default: false,
    kind: onOff,
  },
  autoSelect: {
    env: 'ONE_TAP_AUTO_SELECT',
    option: 'autoSelect',
    doc: 'Let One Tap sign a returning user in without a click (needs oneTap).',
    default: false,
    kind: onOff,
  },
  shutdownGraceMs: {
    env: 'SHUTDOWN_GRACE_MS',
    doc: 'The standalone server: after SIGTERM/SIGINT, how long in-flight requests may take (ms).',
    default: 10_000,
    kind: positiveInt,
  },
  shutdownAcceptMs: {
    env: 'SHUTDOWN_ACCEPT_MS',
    doc: 'The standalone server: after SIGTERM/SIGINT, how long new requests are still served (ms) while the load balancer notices /readyz fail; later ones get 503 with Retry-After. Capped at shutdownGraceMs.',
    default: 2_000,
    kind: nonNegativeInt,
  },
  baseUrl: {
    env: 'BASE_URL',
    option: 'baseUrl',
    doc: "The public origin (`https://app.example.com`): redirect URIs and the cross-site check use it. Required in production; in development each request's own origin.",
    kind: text,
  },
  tokenKeys: {
    secret: true,
    env: 'TOKEN_ENCRYPTION_KEYS',
    option: 'tokenKeys',
    doc: 'Keys that encrypt Google tokens at rest, `id:base64-32-bytes` comma-separated (the first encrypts). Required in production; outside production one is generated into dataDir.',
    kind: tokenKeys,
  },
  scopes: {
    env: 'GOOGLE_SCOPES',
    option: 'google.scopes',
    doc: 'Google scopes beyond `openid email profile` the sign-in asks for (space-separated in the variable).',
    default: [],
    kind: list(/\s+/),
  },
  features: {
    env: 'GOOGLE_FEATURES',
    option: 'google.features',
    doc: 'Named features asked for in context, not at sign-in: `calendar=SCOPE SCOPE,drive=SCOPE` (feature names `[a-z][a-z0-9_-]*`). GET /account/google/connect?feature=NAME asks for one; requireGoogleFeature(name) guards a route.',
    default: {},
    kind: features,
  },
  nativeClientIds: {
    env: 'GOOGLE_NATIVE_CLIENT_IDS',
    option: 'google.nativeClientIds',
    doc: "The app's own Android and iOS OAuth client IDs (comma-separated in the variable): POST /auth/google/native accepts their ID tokens.",
    default: [],
    kind: list(/,/),
  },
  maxSessionsPerUser: {
    env: 'MAX_SESSIONS_PER_USER',
    option: 'maxSessionsPerUser',
    doc: 'Concurrent sessions per user; at sign-in beyond it the oldest end.',
    default: 20,
    kind: positiveInt,
  },
  accountReauthMinutes: {
    env: 'ACCOUNT_REAUTH_MINUTES',
    option: 'accountReauthMinutes',
    doc: 'Ending sessions needs a sign-in at most this many minutes old.',
    default: 10,
    kind: positiveInt,
  },
  appName: {
    env: 'APP_NAME',
    option: 'appName',
    doc: "The app's name, shown in every page's header and title.",
    default: 'gconnect',
    kind: displayName,
  },
  privacyPolicyUrl: {
    env: 'PRIVACY_POLICY_URL',
    option: 'privacyPolicyUrl',
    doc: "The app's privacy policy, linked in every page's footer (Google's consent screen asks a production app for one). An https URL in production.",
    kind: text,
  },
  termsUrl: {
    env: 'TERMS_URL',
    option: 'termsUrl',
    doc: "The app's terms of service, linked in every page's footer. An https URL in production.",
    kind: text,
  },
  dataDir: {
    option: 'dataDir',
    doc: "Where generated development secrets live. Default: the SQLite file's folder, or ./data.",
    kind: text,
  },
} satisfies Record<string, Setting<unknown>>;

export type SettingKey = keyof typeof SETTINGS;

type ValueOf<S> = S extends { kind: Kind<infer T> }
  ? S extends { default: unknown }
    ? T
    : T | undefined
  : never;

/** Each setting's value after reading: its default when unset or not readable. */
export type SettingValues = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };
