import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { GconnectExtras } from './extras.js';
import { createLogger, LOG_REDACTION } from '../core/logger.js';
import type { GconnectOptions } from './options.js';
import { OPTION_NAMING, readSettings } from './read.js';
import { ConfigError, givenPool, resolveSettings, type Config, type NodeEnv } from './resolve.js';
import { NODE_ENVS, type Setting } from './settings.js';

/**
 * createGconnect's reader: the options, checked as the environment is (settings.ts), every
 * problem naming its option, all in one ConfigError. Nothing here reads process.env.
 */
export function readOptions(
  options: GconnectOptions,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { config: Config; extras: GconnectExtras } {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(['createGconnect needs an options object, with at least `google`.']);
  }
  if (typeof options.google !== 'object' || options.google === null) {
    problems.push('google is required: { clientId, clientSecret } or { clientSecretsFile }.');
  }
  const values = readSettings(
    (setting: Setting<unknown>) =>
      setting.option === undefined ? undefined : at(options, setting.option),
    OPTION_NAMING,
    problems,
  );
  const extras = readExtras(options, problems);
  const nodeEnv = readNodeEnv(options, problems);
  // The standalone server's own settings are not options; the library logs through its logger.
  values.logLevel = 'info';
  const config = resolveSettings(values, OPTION_NAMING, readFile, problems);
  return {
    config: nodeEnv === undefined ? config : { ...config, nodeEnv },
    extras: { ...extras, pool: givenPool(values) },
  };
}

/**
 * The `nodeEnv` option: one of NODE_ENVS, agreeing with `production` (a startup report saying
 * "test" of a server running production cookies would mislead as much as the wrong word did).
 */
function readNodeEnv(options: GconnectOptions, problems: string[]): NodeEnv | undefined {
  const { nodeEnv, production } = options;
  if (nodeEnv === undefined) return undefined;
  if (!(NODE_ENVS as readonly unknown[]).includes(nodeEnv)) {
    problems.push(
      `nodeEnv must be ${NODE_ENVS.join(', ')} or unset, got ${JSON.stringify(nodeEnv)}.`,
    );
    return undefined;
  }
  if ((nodeEnv === 'production') !== (production === true)) {
    problems.push(
      `nodeEnv ${nodeEnv} disagrees with production ${String(production ?? false)}: production must be true exactly when nodeEnv is production.`,
    );
  }
  return nodeEnv;
}

/** The value at a dotted path (`google.timeoutMs`), or undefined. */
function at(options: object, path: string): unknown {
  let value: unknown = options;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The options that are not settings of the environment: instances, functions, page chrome. */
function readExtras(options: GconnectOptions, problems: string[]): Omit<GconnectExtras, 'pool'> {
  const { links = [], views, headersAndLogs = 'own-paths', now } = options;
  const { isDraining } = options;
  if (
    !Array.isArray(links) ||
    !links.every((l) => typeof l?.href === 'string' && typeof l.text === 'string')
  ) {
    problems.push('links must be an array of { href, text } strings.');
  }
  if (views !== undefined && typeof views !== 'string')
    problems.push('views must be a folder path.');
  if (headersAndLogs !== 'own-paths' && headersAndLogs !== 'every-path')
    problems.push(
      `headersAndLogs must be own-paths or every-path, got ${JSON.stringify(headersAndLogs)}.`,
    );
  if (now !== undefined && typeof now !== 'function') problems.push('now must be a function.');
  if (isDraining !== undefined && typeof isDraining !== 'function')
    problems.push('isDraining must be a function.');
  return {
    logger: loggerOf(options.logger),
    now: now ?? Date.now,
    page: { links },
    views,
    headersAndLogs,
    isDraining: isDraining ?? (() => false),
  };
}

/** A pino logger as given, or one made from pino options (gconnect's redaction added). */
function loggerOf(given: GconnectOptions['logger']): Logger {
  if (given === undefined) return createLogger('info');
  if (isLogger(given)) return given;
  return pino({ redact: LOG_REDACTION, ...given });
}

function isLogger(value: object): value is Logger {
  return (
    typeof (value as Logger).child === 'function' && typeof (value as Logger).info === 'function'
  );
}
