import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { parseTokenKeys, type TokenKey } from '../core/token-keys.js';
import type { Naming } from './read.js';
import { LOG_LEVELS, type NODE_ENVS, type SettingKey, type SettingValues } from './settings.js';

export type NodeEnv = (typeof NODE_ENVS)[number];

/** The settings, read, checked and completed: what the composition root builds from. */
export interface Config {
  production: boolean;
  /** NODE_ENV (`development` when unset); any other value is refused at start. */
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** First signs, all verify. Undefined outside production: a dev secret is made. */
  sessionSecrets: string[] | undefined;
  /** Which engine holds the shared tables. */
  database: DatabaseConfig;
  /** Where generated development files (session secret, token key) live. */
  dataDir: string;
  google: {
    clientId: string;
    clientSecret: string;
    /** Base URL of a Google emulator, without trailing slash; undefined means real Google. */
    emulatorUrl: string | undefined;
    timeoutMs: number;
    /** Extra scopes beyond `openid email profile`, asked for incrementally. */
    scopes: string[];
    /** The app's Android and iOS client IDs: their ID tokens sign in at /auth/google/native. */
    nativeClientIds: string[];
    /** Named features and their scopes, asked for in context (GET /account/google/connect). */
    features: Record<string, string[]>;
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
  gsi: {
    uxMode: 'popup' | 'redirect';
    googleButton: boolean;
    oneTap: boolean;
    autoSelect: boolean;
  };
  /** The app's name in every page's header and title (APP_NAME). */
  appName: string;
  /** The footer's links (PRIVACY_POLICY_URL, TERMS_URL); https in production. */
  policies: { privacyPolicyUrl?: string | undefined; termsUrl?: string | undefined };
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

/** Startup refused: every problem found, each naming its variable (or option) or file. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A database URL standing for a pg.Pool the host passed in (it is never opened from here). */
export const GIVEN_POOL_URL = 'postgres://(the pg.Pool passed as database)';

interface Context {
  v: SettingValues;
  n: Naming;
  name: (key: SettingKey) => string;
  production: boolean;
  readFile: (path: string) => string;
  problems: string[];
}

/**
 * The checks that take more than one value or a file, for both readers: each problem names the
 * setting as its reader does (`BASE_URL` / `baseUrl`). Throws one ConfigError with every problem.
 */
export function resolveSettings(
  v: SettingValues,
  n: Naming,
  readFile: (path: string) => string,
  problems: string[],
): Config {
  const production = v.mode === 'production';
  const c: Context = { v, n, name: n.name, production, readFile, problems };

  const sessionSecrets = v.sessionSecrets?.length ? v.sessionSecrets : undefined;
  if (production && !sessionSecrets) {
    const how = n.source === 'env' ? ' (comma-separated; the first signs)' : ' (the first signs)';
    problems.push(`${n.name('sessionSecrets')} is required when ${n.production}${how}.`);
  }
  if (production && sessionSecrets?.some((s) => s.length < 32)) {
    problems.push(
      `${n.name('sessionSecrets')}: each secret must be at least 32 characters in production.`,
    );
  }

  const database = readDatabase(c);
  const emulatorUrl = readEmulatorUrl(c);
  const client = readClientCredentials(c);
  refuseExamplePlaceholders(client, problems);
  const trustProxy = checkTrustProxy(c);
  const baseUrl = readBaseUrl(c);
  const tokenEncryptionKeys = readTokenKeys(c);
  const scopes = checkEach(c, 'scopes', v.scopes, SCOPE, 'a scope');
  const features = checkFeatures(c);
  const nativeClientIds = checkEach(
    c,
    'nativeClientIds',
    v.nativeClientIds,
    CLIENT_ID,
    'a client ID like 123-abc.apps.googleusercontent.com',
  );

  if (!(LOG_LEVELS as readonly string[]).includes(v.logLevel)) {
    problems.push(
      `${n.name('logLevel')} must be one of ${LOG_LEVELS.join(', ')}, got "${v.logLevel}".`,
    );
  }

  const allowedAccounts = {
    domains: checkEach(c, 'allowedDomains', v.allowedDomains, DOMAIN, 'a domain like example.com'),
    emails: checkEach(c, 'allowedEmails', v.allowedEmails, EMAIL, 'an address like a@example.com'),
  };

  const policies = {
    privacyPolicyUrl: readPolicyUrl(c, 'privacyPolicyUrl'),
    termsUrl: readPolicyUrl(c, 'termsUrl'),
  };

  if (v.autoSelect && !v.oneTap) {
    problems.push(
      `${n.on('autoSelect')} needs ${n.on('oneTap')} (automatic sign-in is a One Tap feature).`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    production,
    nodeEnv: v.mode,
    port: v.port,
    host: v.host,
    sessionSecrets,
    database,
    dataDir: v.dataDir ?? (database.kind === 'sqlite' ? dirname(database.path) : './data'),
    google: {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      emulatorUrl,
      timeoutMs: v.googleTimeoutMs,
      scopes,
      nativeClientIds,
      features,
    },
    tokenEncryptionKeys,
    session: {
      idleTimeoutMs: v.sessionIdleMinutes * 60_000,
      absoluteTimeoutMs: v.sessionAbsoluteHours * 3_600_000,
    },
    trustProxy,
    baseUrl,
    logLevel: v.logLevel,
    databaseBusyTimeoutMs: v.databaseBusyTimeoutMs,
    rateLimitPerMinute: v.rateLimitPerMinute,
    allowedAccounts,
    gsi: {
      uxMode: v.uxMode,
      googleButton: v.googleButton,
      oneTap: v.oneTap,
      autoSelect: v.autoSelect,
    },
    appName: v.appName,
    policies,
    shutdownGraceMs: v.shutdownGraceMs,
    shutdownAcceptMs: v.shutdownAcceptMs,
    maxSessionsPerUser: v.maxSessionsPerUser,
    accountReauthMs: v.accountReauthMinutes * 60_000,
  };
}

/** The pg.Pool given as `database`, if it was one. */
export function givenPool(v: SettingValues): pg.Pool | undefined {
  return typeof v.database === 'string' ? undefined : v.database;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
/** A scope is a URL or a bare word (RFC 6749 §3.3: no spaces, quotes or backslashes). */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** An OAuth client ID: Google's are `NUMBER-RANDOM.apps.googleusercontent.com`. */
const CLIENT_ID = /^[\w.-]{1,255}$/;

const FEATURE_NAME = /^[a-z][a-z0-9_-]*$/;

/** Each feature needs a good name and at least one good scope; each bad one is named. */
function checkFeatures(c: Context): Record<string, string[]> {
  const name = c.name('features');
  for (const [feature, scopes] of Object.entries(c.v.features)) {
    if (!FEATURE_NAME.test(feature)) {
      c.problems.push(
        `${name}: "${feature}" is not a feature name (lower-case letters, digits, - and _, starting with a letter).`,
      );
    }
    if (scopes.length === 0) c.problems.push(`${name}: feature "${feature}" has no scopes.`);
    for (const scope of scopes) {
      if (!SCOPE.test(scope)) c.problems.push(`${name}: "${scope}" is not a scope.`);
    }
  }
  return c.v.features;
}

/** Each entry of a list that does not look right is named. */
function checkEach(
  c: Context,
  key: SettingKey,
  entries: string[],
  shape: RegExp,
  expected: string,
): string[] {
  for (const entry of entries) {
    if (!shape.test(entry)) c.problems.push(`${c.name(key)}: "${entry}" is not ${expected}.`);
  }
  return entries;
}

function readEmulatorUrl(c: Context): string | undefined {
  const value = c.v.emulatorUrl;
  if (!value) return undefined;
  if (c.production) {
    c.problems.push(`${c.name('emulatorUrl')} must not be set when ${c.n.production}.`);
  }
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    c.problems.push(`${c.name('emulatorUrl')} must be an http(s) URL, got "${value}".`);
    return undefined;
  }
}

function readTokenKeys(c: Context): TokenKey[] | undefined {
  const value = c.v.tokenKeys;
  if (!value) {
    if (c.production) {
      c.problems.push(
        `${c.name('tokenKeys')} is required when ${c.n.production} (comma-separated id:base64-32-bytes; the first encrypts).`,
      );
    }
    return undefined;
  }
  if (typeof value !== 'string') return value;
  const ring = parseTokenKeys(value);
  const name = c.name('tokenKeys');
  c.problems.push(...ring.problems.map((p) => p.replace(/^TOKEN_ENCRYPTION_KEYS\b/, name)));
  return ring.keys;
}

const clientSecretsSchema = z.object({
  web: z.object({
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
  }),
});

function readClientCredentials(c: Context): { clientId: string; clientSecret: string } {
  const { v, name, problems } = c;
  if (v.clientId || v.clientSecret) {
    if (!v.clientId)
      problems.push(`${name('clientId')} is required when ${name('clientSecret')} is set.`);
    if (!v.clientSecret)
      problems.push(`${name('clientSecret')} is required when ${name('clientId')} is set.`);
    return { clientId: v.clientId ?? '', clientSecret: v.clientSecret ?? '' };
  }
  const path = v.clientSecretsFile;
  const help =
    'Download it from Google Cloud Console (APIs & Services > Credentials > OAuth client > Download JSON), ' +
    `or copy client_secrets.example.json and fill it in, or set ${name('clientId')} and ${name('clientSecret')}` +
    (c.n.source === 'env' ? ', or run `npm run dev` to use the built-in Google emulator.' : '.');
  const file = name('clientSecretsFile');
  let text: string;
  try {
    text = c.readFile(path);
  } catch {
    problems.push(`${file}: cannot read ${path}. ${help}`);
    return { clientId: '', clientSecret: '' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push(`${file}: ${path} is not valid JSON. ${help}`);
    return { clientId: '', clientSecret: '' };
  }
  const secrets = clientSecretsSchema.safeParse(json);
  if (!secrets.success) {
    problems.push(
      `${file}: ${path} must look like {"web": {"client_id": "...", "client_secret": "..."}} (a "Web application" client). ${help}`,
    );
    return { clientId: '', clientSecret: '' };
  }
  return { clientId: secrets.data.web.client_id, clientSecret: secrets.data.web.client_secret };
}

/** `file:PATH` selects SQLite; `postgres://` or `postgresql://` (or a pg.Pool) selects PostgreSQL. */
function readDatabase(c: Context): DatabaseConfig {
  const { v } = c;
  const url = typeof v.database === 'string' ? v.database : GIVEN_POOL_URL;
  if (typeof v.database !== 'string' || /^postgres(ql)?:\/\/./.test(url)) {
    return {
      kind: 'postgres',
      url,
      poolSize: v.poolSize,
      connectTimeoutMs: v.connectTimeoutMs,
      statementTimeoutMs: v.statementTimeoutMs,
      idleInTransactionTimeoutMs: v.idleInTransactionTimeoutMs,
      applicationName: v.applicationName,
    };
  }
  if (url.startsWith('file:') && url.length > 'file:'.length) {
    return { kind: 'sqlite', path: url.slice('file:'.length) };
  }
  c.problems.push(
    `${c.name('database')} must be file:PATH (SQLite) or postgres://USER@HOST:PORT/DB (PostgreSQL), got "${redactUrl(url)}".`,
  );
  return { kind: 'sqlite', path: '' };
}

/** A URL's password never reaches an error message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The base URL: an origin only (the callback path is ours to add). Production requires it, and
 * https, since the session cookie is Secure; plain http passes only for loopback, to try
 * production mode on one machine.
 */
function readBaseUrl(c: Context): string | undefined {
  const value = c.v.baseUrl;
  const name = c.name('baseUrl');
  const example = 'an origin like https://app.example.com (scheme, host and port; no path)';
  if (value === undefined || value === '') {
    // Without it the callback URL and the same-site rule would come from each request's Host
    // or, with a trusted proxy, X-Forwarded-Host: headers any client reaching the app can set.
    if (c.production) {
      c.problems.push(
        `${name} is required when ${c.n.production}: ${example}, the public origin users sign in at.`,
      );
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    c.problems.push(`${name} must be ${example}, got "${value}".`);
    return undefined;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !bare) {
    c.problems.push(`${name} must be ${example}, got "${value}".`);
    return undefined;
  }
  if (c.production && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    c.problems.push(
      `${name} must be https:// when ${c.n.production} (the session cookie is Secure), got "${value}".`,
    );
  }
  return url.origin;
}

/** Express's `trust proxy` names for address ranges. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The `trust proxy` setting as Express takes it: true/false, a hop count, or a comma-separated
 * list of range names, addresses and CIDR ranges. Express would throw on the first request for
 * an address it cannot parse; refusing at start names the setting instead.
 */
function checkTrustProxy(c: Context): Config['trustProxy'] {
  const value = c.v.trustProxy;
  if (typeof value !== 'string') return value;
  const bad = value
    .split(',')
    .map((s) => s.trim())
    .filter((entry) => !TRUST_PROXY_NAMES.has(entry) && !isAddressOrRange(entry));
  if (bad.length > 0) {
    c.problems.push(
      `${c.name('trustProxy')}: ${bad.map((b) => `"${b}"`).join(', ')} not understood. Use the number of proxies in front ` +
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

/** A footer link: an absolute http(s) URL, https in production (a page people trust links it). */
function readPolicyUrl(c: Context, key: 'privacyPolicyUrl' | 'termsUrl'): string | undefined {
  const value = c.v[key];
  if (value === undefined || value === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const allowed = c.production ? ['https:'] : ['https:', 'http:'];
  if (!url || !allowed.includes(url.protocol)) {
    c.problems.push(
      `${c.name(key)} must be an ${c.production ? 'https' : 'http(s)'} URL, got "${value}".`,
    );
    return undefined;
  }
  return url.href;
}
