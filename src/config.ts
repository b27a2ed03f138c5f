// The settings live in src/config/: one declaration each (settings.ts), read from the
// environment (from-env.ts) or from createGconnect's options (from-options.ts).
export { loadConfig, type LoadConfigOptions } from './config/from-env.js';
export {
  ConfigError,
  redactUrl,
  type Config,
  type DatabaseConfig,
  type NodeEnv,
} from './config/resolve.js';
