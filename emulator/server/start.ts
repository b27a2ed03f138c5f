/**
 * `startEmulator()`: the emulator as a host app's tests start it, with nothing to configure. It
 * registers its own OAuth client (the dev client) and the test accounts, and listens on a free
 * loopback port; the result names the client, so the app under test is configured from it.
 */
import { DEFAULT_ACCOUNTS, type TestAccount } from './accounts.js';
import { DEV_CLIENT } from './dev-client.js';
import { createEmulator, type Emulator, type RegisteredClient } from './emulator.js';

export interface StartEmulatorOptions {
  /** Default '127.0.0.1'. Must be loopback: 127.x.x.x, ::1 or localhost. */
  host?: string;
  /** Default 0: a free port, chosen by the system (read it from `url`). */
  port?: number;
  /**
   * The OAuth clients the emulator knows; default the dev client alone. The first one is the
   * result's `clientId`/`clientSecret`, and the audience of security events.
   */
  clients?: RegisteredClient[];
  /** Default: Alice, Bob and the other test accounts (`DEFAULT_ACCOUNTS`). */
  accounts?: TestAccount[];
  /** Latency added to the token, tokeninfo, userinfo, revoke and certs answers; default 0. */
  delayMs?: number;
  /** Access tokens' `expires_in`; default 3599 like Google. Short values exercise refresh. */
  accessTokenLifetimeSeconds?: number;
  /** Refresh tokens' lifetime in ms; default none (7 days is Google's for apps in Testing). */
  refreshTokenLifetimeMs?: number;
  /** Cache-Control max-age of the certs endpoints; default 3600. */
  certsMaxAgeSeconds?: number;
  /** The emulator's clock in ms (ID tokens' iat/exp, code and token expiry); default Date.now. */
  now?: () => number;
}

/** A running emulator, its control API, and the OAuth client the app under test must use. */
export interface StartedEmulator extends Emulator {
  /** The registered client's ID: the app's `google.clientId`. */
  readonly clientId: string;
  /** The registered client's secret: the app's `google.clientSecret`. Valid only here. */
  readonly clientSecret: string;
  /**
   * A one-time code for `account` (email or sub; default the first test account) and this
   * client, as Google's popup returns it after consent: what the page posts to `/gconnect`.
   */
  codeFor(account?: string): string;
}

/**
 * Starts the Google emulator on a free loopback port and resolves once it listens. Close it with
 * `close()`. Refuses to start when `NODE_ENV` is `production`, and listens on loopback only.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<StartedEmulator> {
  const clients = options.clients ?? [{ ...DEV_CLIENT }];
  const client = clients[0];
  if (!client) throw new Error('startEmulator: clients must name at least one client.');
  const emulator = await createEmulator({
    ...options,
    clients,
    accounts: options.accounts ?? DEFAULT_ACCOUNTS,
    // The one setting read from the environment: the guard against running in production.
    nodeEnv: process.env.NODE_ENV,
  });
  const firstAccount = emulator.accounts[0]?.email ?? '';
  return Object.assign(emulator, {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    codeFor: (account = firstAccount) => emulator.issueCode({ account, clientId: client.clientId }),
  });
}
