import { redactUrl, type Config } from '../config/resolve.js';

/** What the server runs as, logged once at start so an operator can check it at a glance. */
export interface StartupFacts {
  mode: string;
  google: string;
  database: { engine: string; location: string };
  cookies: { name: string; secure: boolean };
  baseUrl: string;
}

const GOOGLE_CLIENT_ID_SUFFIX = '.apps.googleusercontent.com';

export function describeStartup(config: Config): StartupFacts {
  return {
    // NODE_ENV's word (production, development or test); production follows it.
    mode: config.nodeEnv,
    google: config.google.emulatorUrl
      ? `emulator at ${config.google.emulatorUrl}`
      : 'real Google (https://accounts.google.com)',
    database:
      config.database.kind === 'sqlite'
        ? { engine: 'sqlite', location: config.database.path }
        : { engine: 'postgres', location: redactUrl(config.database.url) },
    cookies: { name: config.production ? '__Host-sid' : 'sid', secure: config.production },
    baseUrl: config.baseUrl ?? 'unset: taken from each request',
  };
}

/**
 * Settings that start but will not work as meant, each with its fix. Problems that cannot work
 * at all are refused by loadConfig instead.
 */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.production && (config.trustProxy === undefined || config.trustProxy === false)) {
    warnings.push(
      'Production without TRUST_PROXY: the session cookie is Secure, but this server speaks plain HTTP and, without ' +
        'TRUST_PROXY, sees every request as http, so it never sets the cookie and every sign-in fails with ' +
        '"Invalid state parameter.". Behind a TLS-terminating proxy set TRUST_PROXY=1 and have the proxy send ' +
        'X-Forwarded-Proto: https (docs/production.md).',
    );
  }
  if (!config.google.clientId.endsWith(GOOGLE_CLIENT_ID_SUFFIX)) {
    warnings.push(
      `The Google client ID "${config.google.clientId}" does not look like one (they end in ${GOOGLE_CLIENT_ID_SUFFIX}): ` +
        'check GOOGLE_CLIENT_ID or client_secrets.json; Google will refuse it with invalid_client.',
    );
  }
  return warnings;
}
