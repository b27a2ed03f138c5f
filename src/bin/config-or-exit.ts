import { loadConfig } from '../config/from-env.js';
import { ConfigError, type Config } from '../config/resolve.js';

/** For entry points: the validated config, or every problem printed and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
