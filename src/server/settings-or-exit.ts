import { ConfigError, optionsFromEnv, type EnvironmentSettings } from '../index.js';

/** For the server's entry points: the checked settings, or every problem printed and exit code 1. */
export function settingsOrExit(env: Record<string, string | undefined>): EnvironmentSettings {
  try {
    return optionsFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
