import { readFileSync } from 'node:fs';
import { ENV_NAMING, readSettings } from './read.js';
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
