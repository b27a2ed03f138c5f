// gconnect-express: Google sign-in for an Express app. The package's front door: everything a
// host app uses is exported here, and nothing here reads process.env.
import { composeGconnect, type Gconnect } from './composition/create-gconnect.js';
import { readOptions } from './config/from-options.js';
import type { GconnectOptions } from './config/options.js';
import './http/session/session-data.js';

export type { Gconnect, GconnectUser } from './composition/create-gconnect.js';
export { optionsFromEnv, type EnvironmentSettings } from './config/from-env.js';
export type { GconnectOptions, GoogleClientOptions } from './config/options.js';
export { ConfigError } from './config/resolve.js';
export { AppError as GconnectError, type ErrorCode } from './core/errors.js';
export type { TokenKey } from './core/token-keys.js';
export { generateTokenKey } from './core/token-keys.js';
export { LOG_REDACTION } from './core/logger.js';
export type { FeatureStatus } from './grants/scopes.js';

/**
 * Builds gconnect from its options: opens (and migrates) the database, and returns the router to
 * mount and the helpers for the host's own routes. Throws a ConfigError naming every bad option.
 */
export async function createGconnect(options: GconnectOptions): Promise<Gconnect> {
  const { config, extras } = readOptions(options);
  return composeGconnect(config, extras);
}
