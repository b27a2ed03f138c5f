import http from 'node:http';
import https from 'node:https';
import { OAuth2Client } from 'google-auth-library';
import type { Logger } from 'pino';
import { CertCache } from './cert-cache.js';
import type { GoogleEndpoints } from './endpoints.js';
import { httpFetch } from './http-fetch.js';
import { fetchSigningKeys } from './jwks.js';

export interface GoogleClientOptions {
  clientId: string;
  clientSecret: string;
  endpoints: GoogleEndpoints;
  /** Deadline of each call to Google, connection to last byte (ms). */
  timeoutMs: number;
  now?: () => number;
  /** Where Google's refusals (its OAuth error code, with a hint) are reported at warn. */
  logger?: Pick<Logger, 'warn'>;
}

/** What every call to Google is made with (openid-client's Configuration): passed in, no singletons. */
export interface GoogleConfiguration {
  clientId: string;
  endpoints: GoogleEndpoints;
  /** google-auth-library's client; its transporter carries the deadline, agents and no retries. */
  oauth: RefreshingOAuth2Client;
  /** Google's signing keys, as KeyObjects by key id. */
  keys: CertCache;
  /** Google's refusals go here (call-boundary.ts); undefined: not reported. */
  logger: Pick<Logger, 'warn'> | undefined;
  /** Closes the idle keep-alive sockets. */
  close(): void;
}

/** An unknown `kid` may force a refetch of the keys at most once per this interval (ms). */
const KEY_REFETCH_INTERVAL_MS = 60_000;
/** Idle keep-alive sockets to Google are closed after this, or sooner if the server says so. */
const IDLE_SOCKET_MS = 30_000;
/** Largest Google response we read; real ones are a few KiB. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * google-auth-library's refresh without its per-client credentials and cache: one client serves
 * every user, and the app's grant store (not the library) decides when a refresh happens.
 */
export class RefreshingOAuth2Client extends OAuth2Client {
  refreshWith(refreshToken: string) {
    return this.refreshTokenNoCache(refreshToken);
  }
}

export function createGoogleConfiguration(options: GoogleClientOptions): GoogleConfiguration {
  const { clientId, endpoints } = options;
  // Keep-alive: a sign-in makes three calls to the same hosts; reusing the TLS connections
  // saves a handshake each. Node applies a server's `Keep-Alive: timeout=N` hint (closing idle
  // sockets a second early) only when the agent has a timeout of its own; without one, a call
  // could go out on a socket the server is just closing, and the code exchange is never retried.
  // No cap on sockets in use: under a cap, calls that hang at Google hold every socket and
  // healthy sign-ins queue behind them until their own deadline passes. Each call is bounded by
  // its deadline instead (http-fetch.ts destroys the socket when it passes), and the idle pool by
  // maxFreeSockets.
  const agentOptions = {
    keepAlive: true,
    maxSockets: Infinity,
    maxFreeSockets: 64,
    timeout: IDLE_SOCKET_MS,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const oauth = new RefreshingOAuth2Client({
    clientId,
    clientSecret: options.clientSecret,
    endpoints: {
      oauth2TokenUrl: endpoints.token,
      tokenInfoUrl: endpoints.tokenInfo,
      oauth2RevokeUrl: endpoints.revoke,
      oauth2FederatedSignonPemCertsUrl: endpoints.pemCerts,
      oauth2FederatedSignonJwkCertsUrl: endpoints.jwkCerts,
      oauth2AuthBaseUrl: endpoints.authorization,
    },
    issuers: endpoints.issuers,
    // No x-goog-api-client/User-Agent interceptors: they would log every request and answer
    // (tokens included) to stderr whenever GOOGLE_SDK_NODE_LOGGING is set, and cost two more
    // async steps per call; Google needs neither header.
    useAuthRequestParameters: false,
    transporterOptions: {
      timeout: options.timeoutMs,
      // The library retries POSTs on 5xx by default; re-posting a one-time code is wrong.
      // Either switch alone turns gaxios's retries off (each one's mutant is equivalent); both are
      // set so that no later default turns them back on.
      retry: false,
      retryConfig: { retry: 0, httpMethodsToRetry: [] },
      maxContentLength: MAX_RESPONSE_BYTES,
      agent: (url: URL) => (url.protocol === 'http:' ? httpAgent : httpsAgent),
      // node:http directly instead of node-fetch: measured -28 % CPU per sign-in (http-fetch.ts).
      fetchImplementation: httpFetch as unknown as typeof fetch,
    },
  });
  const keys = new CertCache({
    now: options.now ?? Date.now,
    refetchIntervalMs: KEY_REFETCH_INTERVAL_MS,
    fetchKeys: () => fetchSigningKeys(oauth.transporter, endpoints.jwkCerts),
  });
  return {
    clientId,
    endpoints,
    oauth,
    keys,
    logger: options.logger,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
