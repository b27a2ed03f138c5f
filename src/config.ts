import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseTokenKeys, type TokenKey } from './grants/token-cipher.js';

export interface Config {
  production: boolean;
  /** NODE_ENV (`development` when unset); any other value is refused at start. */
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** First signs, all verify. Undefined outside production: the entry point makes a dev secret. */
  sessionSecrets: string[] | undefined;
  /** Which engine holds the shared tables, from DATABASE_URL. */
  database: DatabaseConfig;
  /** Where generated development files (session secret) live: the SQLite file's folder, or ./data. */
  dataDir: string;
  google: {
    clientId: string;
    clientSecret: string;
    /** Base URL of a Google emulator, without trailing slash; undefined means real Google. */
    emulatorUrl: string | undefined;
    timeoutMs: number;
    /** Extra scopes beyond `openid email profile` (GOOGLE_SCOPES), asked for incrementally. */
    scopes: string[];
  };
  /** Encrypt Google tokens at rest; the first seals. Undefined outside production: generated. */
  tokenEncryptionKeys: TokenKey[] | undefined;
  session: {
    /** A signed-in session ends after this long without a request. */
    idleTimeoutMs: number;
    /** ...and after this long in any case. */
    absoluteTimeoutMs: number;
  };
  trustProxy: boolean | number | string | undefined;
  /** The public origin (`https://app.example.com`); undefined (never in production): from each request. */
  baseUrl: string | undefined;
  logLevel: string;
  /** How long a write waits for another connection's lock before giving up (ms). */
  databaseBusyTimeoutMs: number;
  /** Sign-in attempts per client address and minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Who may sign in (lower case); both empty means any Google account. */
  allowedAccounts: { domains: string[]; emails: string[] };
  /** The Google button's delivery mode and the One Tap prompt. */
  gsi: { uxMode: 'popup' | 'redirect'; oneTap: boolean; autoSelect: boolean };
  /** After SIGTERM/SIGINT, how long in-flight requests may take before connections are cut (ms). */
  shutdownGraceMs: number;
  /**
   * After SIGTERM/SIGINT, how long new requests are still served (ms), while the load balancer
   * notices /readyz fail; later ones get 503 with Retry-After. Capped at shutdownGraceMs.
   */
  shutdownAcceptMs: number;
  /** Concurrent sessions per user; the oldest end at sign-in beyond it. */
  maxSessionsPerUser: number;
  /** Ending sessions needs a sign-in at most this old (ms); older must sign in again. */
  accountReauthMs: number;
}

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'postgres';
      url: string;
      /** Most connections each instance holds open. */
      poolSize: number;
      /** How long acquiring a connection may take before the request fails with 503 (ms). */
      connectTimeoutMs: number;
      /** The server cancels any statement that runs longer (ms). */
      statementTimeoutMs: number;
      /** The server ends a connection left idle inside a transaction this long (ms). */
      idleInTransactionTimeoutMs: number;
      /** Shown in pg_stat_activity, so a DBA can tell whose connections these are. */
      applicationName: string;
    };

/** Startup refused: every problem found, each naming its variable or file. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/**
 * NODE_ENV exactly as written: a typo (`prod`, `Production`, `production `) would otherwise run
 * development mode in production (generated secrets, a cookie without Secure, the emulator
 * allowed), so it is refused rather than guessed at.
 */
const nodeEnvSchema = z
  .string()
  .optional()
  .transform((v, ctx): NodeEnv => {
    if (v === undefined || v === '') return 'development';
    if ((NODE_ENVS as readonly string[]).includes(v)) return v as NodeEnv;
    ctx.addIssue({
      code: 'custom',
      message: `NODE_ENV must be unset, development, test or production (exactly, lower case), got "${v}".`,
    });
    return z.NEVER;
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An optional whole-number variable within [min, max]; `rule` says the range in the error. */
const wholeNumber = (name: string, fallback: number, min: number, max: number, rule: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${rule}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });
const positiveInt = (name: string, fallback: number) =>
  wholeNumber(name, fallback, 1, Number.MAX_SAFE_INTEGER, 'a positive whole number');
const nonNegativeInt = (name: string, fallback: number) =>
  wholeNumber(name, fallback, 0, Number.MAX_SAFE_INTEGER, 'a whole number >= 0');

/** An optional on/off switch, off by default. */
const onOff = (name: string) =>
  z
    .enum(['on', 'off', ''], { error: `${name} must be on or off` })
    .optional()
    .transform((v) => v === 'on');

const envSchema = z.object({
  NODE_ENV: nodeEnvSchema,
  PORT: wholeNumber('PORT', 3000, 0, 65535, 'a port number (0-65535)'),
  HOST: z.string().optional(),
  SESSION_SECRET: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  GOOGLE_CLIENT_SECRETS: z.string().optional(),
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  GOOGLE_EMULATOR_URL: z.string().optional(),
  GOOGLE_TIMEOUT_MS: positiveInt('GOOGLE_TIMEOUT_MS', 5000),
  SESSION_IDLE_MINUTES: positiveInt('SESSION_IDLE_MINUTES', 120),
  SESSION_ABSOLUTE_HOURS: positiveInt('SESSION_ABSOLUTE_HOURS', 24),
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.string().optional(),
  DATABASE_BUSY_TIMEOUT_MS: positiveInt('DATABASE_BUSY_TIMEOUT_MS', 5000),
  RATE_LIMIT_PER_MINUTE: nonNegativeInt('RATE_LIMIT_PER_MINUTE', 30),
  DATABASE_POOL_SIZE: positiveInt('DATABASE_POOL_SIZE', 10),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt('DATABASE_CONNECT_TIMEOUT_MS', 5000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt('DATABASE_STATEMENT_TIMEOUT_MS', 5000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt(
    'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    10_000,
  ),
  DATABASE_APPLICATION_NAME: z.string().optional(),
  ALLOWED_DOMAINS: z.string().optional(),
  ALLOWED_EMAILS: z.string().optional(),
  GSI_UX_MODE: z
    .enum(['popup', 'redirect'], { error: 'GSI_UX_MODE must be popup or redirect' })
    .optional(),
  ONE_TAP: onOff('ONE_TAP'),
  ONE_TAP_AUTO_SELECT: onOff('ONE_TAP_AUTO_SELECT'),
  SHUTDOWN_GRACE_MS: positiveInt('SHUTDOWN_GRACE_MS', 10_000),
  SHUTDOWN_ACCEPT_MS: nonNegativeInt('SHUTDOWN_ACCEPT_MS', 2_000),
  BASE_URL: z.string().optional(),
  TOKEN_ENCRYPTION_KEYS: z.string().optional(),
  GOOGLE_SCOPES: z.string().optional(),
  MAX_SESSIONS_PER_USER: positiveInt('MAX_SESSIONS_PER_USER', 20),
  ACCOUNT_REAUTH_MINUTES: positiveInt('ACCOUNT_REAUTH_MINUTES', 10),
});

/**
 * The variables, each checked on its own: a bad one is named in `problems` and its default used,
 * so the checks after it still run and one error names every problem (PORT=x and a missing
 * secrets file together).
 */
function parseEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): z.infer<typeof envSchema> {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  problems.push(...parsed.error.issues.map((issue) => issue.message));
  const invalid = new Set(parsed.error.issues.map((issue) => issue.path[0]));
  return envSchema.parse(
    Object.fromEntries(Object.entries(env).filter(([name]) => !invalid.has(name))),
  );
}

const clientSecretsSchema = z.object({
  web: z.object({
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
  }),
});

export interface LoadConfigOptions {
  readFile?: (path: string) => string;
}

/** Reads and validates the environment; the only place that knows the variables' names. */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): Config {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const problems: string[] = [];
  const e = parseEnv(env, problems);
  const nodeEnv = e.NODE_ENV;
  const production = nodeEnv === 'production';

  const sessionSecrets = e.SESSION_SECRET
    ? e.SESSION_SECRET.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  if (production && !sessionSecrets?.length) {
    problems.push(
      'SESSION_SECRET is required when NODE_ENV=production (comma-separated; the first signs).',
    );
  }
  if (production && sessionSecrets?.some((s) => s.length < 32)) {
    problems.push('SESSION_SECRET: each secret must be at least 32 characters in production.');
  }

  const database = readDatabase(e, problems);

  let emulatorUrl: string | undefined;
  if (e.GOOGLE_EMULATOR_URL) {
    if (production) {
      problems.push('GOOGLE_EMULATOR_URL must not be set when NODE_ENV=production.');
    }
    try {
      const url = new URL(e.GOOGLE_EMULATOR_URL);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      emulatorUrl = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      problems.push(`GOOGLE_EMULATOR_URL must be an http(s) URL, got "${e.GOOGLE_EMULATOR_URL}".`);
    }
  }

  const client = readClientCredentials(e, readFile, problems);
  refuseExamplePlaceholders(client, problems);
  const trustProxy = parseTrustProxy(e.TRUST_PROXY, problems);
  const baseUrl = readBaseUrl(e.BASE_URL, production, problems);
  const tokenEncryptionKeys = readTokenKeys(e.TOKEN_ENCRYPTION_KEYS, production, problems);
  const scopes = readScopes(e.GOOGLE_SCOPES, problems);

  const logLevel = e.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}".`);
  }

  const allowedAccounts = {
    domains: readList(
      e.ALLOWED_DOMAINS,
      'ALLOWED_DOMAINS',
      DOMAIN,
      'a domain like example.com',
      problems,
    ),
    emails: readList(
      e.ALLOWED_EMAILS,
      'ALLOWED_EMAILS',
      EMAIL,
      'an address like a@example.com',
      problems,
    ),
  };

  if (e.ONE_TAP_AUTO_SELECT && !e.ONE_TAP) {
    problems.push(
      'ONE_TAP_AUTO_SELECT=on needs ONE_TAP=on (automatic sign-in is a One Tap feature).',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    production,
    nodeEnv,
    port: e.PORT,
    host: e.HOST || '127.0.0.1',
    sessionSecrets,
    database,
    dataDir: database.kind === 'sqlite' ? dirname(database.path) : './data',
    google: {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      emulatorUrl,
      timeoutMs: e.GOOGLE_TIMEOUT_MS,
      scopes,
    },
    tokenEncryptionKeys,
    session: {
      idleTimeoutMs: e.SESSION_IDLE_MINUTES * 60_000,
      absoluteTimeoutMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    },
    trustProxy,
    baseUrl,
    logLevel,
    databaseBusyTimeoutMs: e.DATABASE_BUSY_TIMEOUT_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    allowedAccounts,
    gsi: {
      uxMode: e.GSI_UX_MODE ?? 'popup',
      oneTap: e.ONE_TAP,
      autoSelect: e.ONE_TAP_AUTO_SELECT,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    shutdownAcceptMs: e.SHUTDOWN_ACCEPT_MS,
    maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
    accountReauthMs: e.ACCOUNT_REAUTH_MINUTES * 60_000,
  };
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** A comma-separated list, trimmed and lower-cased; each entry that does not look right is named. */
function readList(
  value: string | undefined,
  name: string,
  shape: RegExp,
  expected: string,
  problems: string[],
): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    if (!shape.test(entry)) problems.push(`${name}: "${entry}" is not ${expected}.`);
  }
  return entries;
}

function readTokenKeys(
  value: string | undefined,
  production: boolean,
  problems: string[],
): TokenKey[] | undefined {
  if (!value) {
    if (production) {
      problems.push(
        'TOKEN_ENCRYPTION_KEYS is required when NODE_ENV=production (comma-separated id:base64-32-bytes; the first encrypts).',
      );
    }
    return undefined;
  }
  const ring = parseTokenKeys(value);
  problems.push(...ring.problems);
  return ring.keys;
}

/** A scope is a URL or a bare word (RFC 6749 §3.3: no spaces, quotes or backslashes). */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function readScopes(value: string | undefined, problems: string[]): string[] {
  const scopes = (value ?? '').split(/\s+/).filter(Boolean);
  for (const scope of scopes) {
    if (!SCOPE.test(scope)) problems.push(`GOOGLE_SCOPES: "${scope}" is not a scope.`);
  }
  return scopes;
}

function readClientCredentials(
  e: z.infer<typeof envSchema>,
  readFile: (path: string) => string,
  problems: string[],
): { clientId: string; clientSecret: string } {
  if (e.GOOGLE_CLIENT_ID || e.GOOGLE_CLIENT_SECRET) {
    if (!e.GOOGLE_CLIENT_ID)
      problems.push('GOOGLE_CLIENT_ID is required when GOOGLE_CLIENT_SECRET is set.');
    if (!e.GOOGLE_CLIENT_SECRET)
      problems.push('GOOGLE_CLIENT_SECRET is required when GOOGLE_CLIENT_ID is set.');
    return { clientId: e.GOOGLE_CLIENT_ID ?? '', clientSecret: e.GOOGLE_CLIENT_SECRET ?? '' };
  }
  const path = e.GOOGLE_CLIENT_SECRETS || './client_secrets.json';
  const help =
    'Download it from Google Cloud Console (APIs & Services > Credentials > OAuth client > Download JSON), ' +
    'or copy client_secrets.example.json and fill it in, or set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, ' +
    'or run `npm run dev` to use the built-in Google emulator.';
  let text: string;
  try {
    text = readFile(path);
  } catch {
    problems.push(`GOOGLE_CLIENT_SECRETS: cannot read ${path}. ${help}`);
    return { clientId: '', clientSecret: '' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push(`GOOGLE_CLIENT_SECRETS: ${path} is not valid JSON. ${help}`);
    return { clientId: '', clientSecret: '' };
  }
  const secrets = clientSecretsSchema.safeParse(json);
  if (!secrets.success) {
    problems.push(
      `GOOGLE_CLIENT_SECRETS: ${path} must look like {"web": {"client_id": "...", "client_secret": "..."}} (a "Web application" client). ${help}`,
    );
    return { clientId: '', clientSecret: '' };
  }
  return { clientId: secrets.data.web.client_id, clientSecret: secrets.data.web.client_secret };
}

/** `file:PATH` selects SQLite; `postgres://` or `postgresql://` selects PostgreSQL. */
function readDatabase(e: z.infer<typeof envSchema>, problems: string[]): DatabaseConfig {
  const url = e.DATABASE_URL || 'file:./data/app.db';
  if (/^postgres(ql)?:\/\/./.test(url)) {
    return {
      kind: 'postgres',
      url,
      poolSize: e.DATABASE_POOL_SIZE,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      applicationName: e.DATABASE_APPLICATION_NAME || 'gconnect',
    };
  }
  if (url.startsWith('file:') && url.length > 'file:'.length) {
    return { kind: 'sqlite', path: url.slice('file:'.length) };
  }
  problems.push(
    `DATABASE_URL must be file:PATH (SQLite) or postgres://USER@HOST:PORT/DB (PostgreSQL), got "${redactUrl(url)}".`,
  );
  return { kind: 'sqlite', path: '' };
}

/** A URL's password never reaches an error message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * BASE_URL: an origin only (the callback path is ours to add). Production requires it, and https,
 * since the session cookie is Secure; plain http passes only for loopback, to try production
 * mode on one machine.
 */
function readBaseUrl(
  value: string | undefined,
  production: boolean,
  problems: string[],
): string | undefined {
  const example = 'an origin like https://app.example.com (scheme, host and port; no path)';
  if (value === undefined || value === '') {
    // Without it the callback URL and the same-site rule would come from each request's Host
    // or, with TRUST_PROXY, X-Forwarded-Host: headers any client reaching the app can set.
    if (production) {
      problems.push(
        `BASE_URL is required when NODE_ENV=production: ${example}, the public origin users sign in at.`,
      );
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`BASE_URL must be ${example}, got "${value}".`);
    return undefined;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !bare) {
    problems.push(`BASE_URL must be ${example}, got "${value}".`);
    return undefined;
  }
  if (production && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    problems.push(
      `BASE_URL must be https:// when NODE_ENV=production (the session cookie is Secure), got "${value}".`,
    );
  }
  return url.origin;
}

/** Express's `trust proxy` names for address ranges. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as Express's `trust proxy` takes it: true/false, a hop count, or a comma-separated
 * list of range names, addresses and CIDR ranges. Express would throw on the first request for
 * an address it cannot parse; refusing at start names the variable instead.
 */
function parseTrustProxy(value: string | undefined, problems: string[]): Config['trustProxy'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const bad = value
    .split(',')
    .map((s) => s.trim())
    .filter((entry) => !TRUST_PROXY_NAMES.has(entry) && !isAddressOrRange(entry));
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY: ${bad.map((b) => `"${b}"`).join(', ')} not understood. Use the number of proxies in front ` +
        '(1 for one TLS-terminating proxy), true, loopback, linklocal, uniquelocal, or addresses/CIDR ranges, comma-separated.',
    );
  }
  return value;
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/** The client of client_secrets.example.json: copied but not filled in. */
const EXAMPLE_CLIENT = {
  clientId: '1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-replace-with-your-client-secret',
};

function refuseExamplePlaceholders(
  client: { clientId: string; clientSecret: string },
  problems: string[],
): void {
  if (
    client.clientId !== EXAMPLE_CLIENT.clientId &&
    client.clientSecret !== EXAMPLE_CLIENT.clientSecret
  ) {
    return;
  }
  problems.push(
    "Google client: the client ID or secret is still the placeholder of client_secrets.example.json. Put in your OAuth client's " +
      'values from Google Cloud Console (APIs & Services > Credentials), or run `npm run dev` to use the built-in Google emulator.',
  );
}
