import { readFileSync } from 'node:fs';
import { ENV_NAMING, readSettings } from './read.js';
import type { GconnectOptions } from './options.js';
import { resolveSettings, type Config } from './resolve.js';

export interface LoadConfigOptions {
  readFile?: (path: string) => string;
}

/**
 * The standalone server's reader: the environment's variables (settings.ts names them), checked
 * as createGconnect checks its options; every problem names its variable, all in one ConfigError.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): Config {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const problems: string[] = [];
  const values = readSettings(
    (setting) => (setting.env === undefined ? undefined : env[setting.env]),
    ENV_NAMING,
    problems,
  );
  return resolveSettings(values, ENV_NAMING, readFile, problems);
}

/** The environment's settings: createGconnect's options, and the standalone server's own. */
export interface EnvironmentSettings {
  /** For createGconnect (add what the environment cannot hold: a logger, page chrome…). */
  options: GconnectOptions;
  /** What only a server that listens needs (PORT, HOST, LOG_LEVEL, SHUTDOWN_*). */
  server: {
    port: number;
    host: string;
    logLevel: string;
    shutdownGraceMs: number;
    shutdownAcceptMs: number;
  };
}

/**
 * The variables of docs/configuration.md as createGconnect's options and the server's settings,
 * checked as the standalone server checks them: a ConfigError names every bad variable. It reads
 * `env` only (pass `process.env`); `readFile` reads GOOGLE_CLIENT_SECRETS (tests give their own).
 */
export function optionsFromEnv(
  env: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): EnvironmentSettings {
  const config = loadConfig(env, options);
  return {
    options: optionsOf(config),
    server: {
      port: config.port,
      host: config.host,
      logLevel: config.logLevel,
      shutdownGraceMs: config.shutdownGraceMs,
      shutdownAcceptMs: config.shutdownAcceptMs,
    },
  };
}

/** The environment's settings as createGconnect's options (the server owns the listening ones). */
function optionsOf(config: Config): GconnectOptions {
  const { database, google } = config;
  return {
    production: config.production,
    // Only `production` changes behaviour; NODE_ENV itself is what the startup report names.
    nodeEnv: config.nodeEnv,
    google: {
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      ...(google.emulatorUrl === undefined ? {} : { emulatorUrl: google.emulatorUrl }),
      timeoutMs: google.timeoutMs,
      scopes: google.scopes,
      nativeClientIds: google.nativeClientIds,
      features: google.features,
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
    ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
    allowedAccounts: config.allowedAccounts,
    rateLimitPerMinute: config.rateLimitPerMinute,
    session: {
      idleMinutes: config.session.idleTimeoutMs / 60_000,
      absoluteHours: config.session.absoluteTimeoutMs / 3_600_000,
    },
    ...config.gsi,
    appName: config.appName,
    ...definedOnly(config.policies),
    maxSessionsPerUser: config.maxSessionsPerUser,
    accountReauthMinutes: config.accountReauthMs / 60_000,
    dataDir: config.dataDir,
  };
}

/** The entries whose value is set: an option given as undefined would not read as unset. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
