import http from 'node:http';
import https from 'node:https';
import { OAuth2Client } from 'google-auth-library';
import { GaxiosError } from 'gaxios';
import { z } from 'zod';
import { AppError, Messages } from '../errors.js';
import { CertCache, type PemCerts } from './cert-cache.js';
import type { GoogleEndpoints } from './endpoints.js';
import { signingKeysFromJwks } from './jwks.js';
import { httpFetch } from './http-fetch.js';
import { ParsedKeys } from './parsed-keys.js';

/** The only module that talks to Google (or its emulator). Everything else sees this shape. */
export interface GoogleClient {
  /** Trades a one-time code for tokens. Called once per code: never retried. */
  exchangeCode(grant: CodeGrant): Promise<GoogleTokens>;
  verifyIdToken(idToken: string, expected?: { nonce?: string }): Promise<IdTokenClaims>;
  tokenInfo(accessToken: string): Promise<TokenInfo>;
  userInfo(accessToken: string): Promise<UserInfo>;
  /** A new access token for a stored refresh token; once, with the deadline, never retried. */
  refreshAccessToken(refreshToken: string): Promise<RefreshedTokens>;
  /** Revokes an access or refresh token: at Google, either one ends the whole grant. */
  revoke(token: string): Promise<void>;
  readonly endpoints: GoogleEndpoints;
  readonly clientId: string;
  close(): void;
}

export interface CodeGrant {
  code: string;
  /** 'postmessage' for the popup code client; the callback URL for the redirect flow. */
  redirectUri: string;
  codeVerifier?: string;
}

export interface GoogleTokens {
  accessToken: string;
  idToken: string | undefined;
  /** Present on first consent (or with prompt=consent) for offline access. */
  refreshToken?: string | undefined;
  /** Seconds the access token lives. */
  expiresIn?: number | undefined;
  /** The granted scopes, space-separated, exactly as Google returned them. */
  scope?: string | undefined;
}

export interface RefreshedTokens {
  accessToken: string;
  expiresIn: number | undefined;
  scope: string | undefined;
  /** Google rarely sends a new one on refresh; when it does, it is the newest. */
  refreshToken: string | undefined;
}

/** The profile claims Google gives in both the ID token and userinfo (OIDC Core §5.1). */
export interface UserInfo {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  picture?: string;
  hd?: string;
}

export interface IdTokenClaims extends UserInfo {
  nonce?: string;
  [claim: string]: unknown;
}

export interface TokenInfo {
  sub?: string;
  aud?: string;
  azp?: string;
  email?: string;
}

export interface GoogleClientOptions {
  clientId: string;
  clientSecret: string;
  endpoints: GoogleEndpoints;
  /** Deadline of each call to Google, connection to last byte (ms). */
  timeoutMs: number;
  now?: () => number;
  /** Minimum time between cert refetches forced by an unknown key id (ms). */
  certRefetchIntervalMs?: number;
}

/** Clock skew allowed on `iat`/`exp`: google-auth-library's fixed 300 s. */
export const ID_TOKEN_CLOCK_SKEW_SECONDS = 300;
/** Idle keep-alive sockets to Google are closed after this, or sooner if the server says so. */
const IDLE_SOCKET_MS = 30_000;
/** Largest Google response we read; real ones are a few KiB. */
const MAX_RESPONSE_BYTES = 256 * 1024;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1).optional(),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  // google-auth-library turns expires_in into expiry_date (its own clock) in the body it returns.
  expiry_date: z.number().optional(),
  scope: z.string().optional(),
});
const tokenInfoResponse = z.looseObject({
  sub: z.string().optional(),
  aud: z.string().optional(),
  azp: z.string().optional(),
  email: z.string().optional(),
});
const userInfoResponse = z.looseObject({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .optional(),
  name: z.string().optional(),
  picture: z.string().optional(),
  hd: z.string().optional(),
});
const jwtHeader = z.looseObject({ alg: z.string(), kid: z.string().optional() });

export function createGoogleClient(options: GoogleClientOptions): GoogleClient {
  const { clientId, endpoints } = options;
  const now = options.now ?? Date.now;
  // Keep-alive: a sign-in makes three calls to the same hosts; reusing the TLS connections
  // saves a handshake each. Node applies a server's `Keep-Alive: timeout=N` hint (closing idle
  // sockets a second early) only when the agent has a timeout of its own; without one, a call
  // could go out on a socket the server is just closing, and the code exchange is never retried.
  const agentOptions = { keepAlive: true, maxSockets: 64, timeout: IDLE_SOCKET_MS };
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
    transporterOptions: {
      timeout: options.timeoutMs,
      // The library retries POSTs on 5xx by default; re-posting a one-time code is wrong.
      retry: false,
      retryConfig: { retry: 0, httpMethodsToRetry: [] },
      maxContentLength: MAX_RESPONSE_BYTES,
      agent: (url: URL) => (url.protocol === 'http:' ? httpAgent : httpsAgent),
      // node:http directly instead of node-fetch: measured -28 % CPU per sign-in (http-fetch.ts).
      fetchImplementation: httpFetch as unknown as typeof fetch,
    },
  });
  const transporter = oauth.transporter;
  const parsedKeys = new ParsedKeys();

  /** A JSON request authorized by the access token, its body checked against `schema`. */
  async function bearerJson<T>(
    call: GoogleCall,
    url: string,
    method: 'GET' | 'POST',
    accessToken: string,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const res = await callGoogle(call, () =>
      transporter.request({
        url,
        method,
        headers: { authorization: `Bearer ${accessToken}` },
        responseType: 'json',
      }),
    );
    return expect(schema, res.data);
  }

  const certs = new CertCache({
    now,
    refetchIntervalMs: options.certRefetchIntervalMs ?? 60_000,
    fetchCerts: async () => {
      // The JWK Set rather than the PEM map: it says each key's type and use, so keys that
      // are not RSA signing keys can be left out (see jwks.ts).
      const res = await transporter.request({
        url: endpoints.jwkCerts,
        method: 'GET',
        responseType: 'json',
      });
      const maxAge = /max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1];
      const certs = signingKeysFromJwks(res.data);
      if (!certs || Object.keys(certs).length === 0) {
        throw new AppError(502, Messages.googleBadGateway, { code: 'google_certs_unusable' });
      }
      return { certs, maxAgeMs: maxAge ? Number(maxAge) * 1000 : 0 };
    },
  });

  return {
    endpoints,
    clientId,

    async exchangeCode(grant) {
      const res = await callGoogle('token', () =>
        oauth.getToken({
          code: grant.code,
          redirect_uri: grant.redirectUri,
          codeVerifier: grant.codeVerifier,
        }),
      );
      const tokens = expect(tokenResponse, res.res?.data ?? res.tokens);
      return {
        accessToken: tokens.access_token,
        idToken: tokens.id_token,
        refreshToken: tokens.refresh_token,
        expiresIn: lifetimeSeconds(tokens),
        scope: tokens.scope,
      };
    },

    async refreshAccessToken(refreshToken) {
      const res = await callGoogle('refresh', () => oauth.refreshWith(refreshToken));
      const tokens = expect(tokenResponse, res.res?.data);
      return {
        accessToken: tokens.access_token,
        expiresIn: lifetimeSeconds(tokens),
        scope: tokens.scope,
        refreshToken: tokens.refresh_token,
      };
    },

    async verifyIdToken(idToken, expected = {}) {
      const header = decodeHeader(idToken);
      // RS256 only: `none` and HMAC (keyed with our own client secret) are forgeries.
      if (header.alg !== 'RS256') throw invalidIdToken('alg is not RS256');
      const known = await callGoogle('certs', () => certs.certsFor(header.kid));
      const keys = keysFor(header.kid, known);
      let payload;
      try {
        const ticket = await oauth.verifySignedJwtWithCertsAsync(
          idToken,
          // Typed as PEM strings, but handed to crypto as they are: see parsed-keys.ts.
          mapValues(keys, (pem) => parsedKeys.get(pem)) as unknown as PemCerts,
          clientId,
          endpoints.issuers,
        );
        payload = ticket.getPayload();
      } catch (err) {
        // The library's messages quote the whole token: keep them out of logs.
        throw invalidIdToken(
          err instanceof Error ? (err.message.split(':')[0] ?? '') : 'verification failed',
        );
      }
      if (!payload || typeof payload.sub !== 'string' || payload.sub === '')
        throw invalidIdToken('no sub');
      if (payload.azp !== undefined && payload.azp !== clientId)
        throw invalidIdToken('azp is not our client');
      if (expected.nonce !== undefined && payload.nonce !== expected.nonce)
        throw invalidIdToken('nonce mismatch');
      return payload as unknown as IdTokenClaims;
    },

    tokenInfo(accessToken) {
      return bearerJson('tokeninfo', endpoints.tokenInfo, 'POST', accessToken, tokenInfoResponse);
    },

    userInfo(accessToken) {
      return bearerJson('userinfo', endpoints.userInfo, 'GET', accessToken, userInfoResponse);
    },

    async revoke(token) {
      await callGoogle('revoke', () =>
        transporter.request({
          url: endpoints.revoke,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          data: new URLSearchParams({ token }).toString(),
        }),
      );
    },

    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

type GoogleCall = 'token' | 'refresh' | 'certs' | 'tokeninfo' | 'userinfo' | 'revoke';

/**
 * google-auth-library's refresh without its per-client credentials and cache: one client serves
 * every user, and the app's grant store (not the library) decides when a refresh happens.
 */
class RefreshingOAuth2Client extends OAuth2Client {
  refreshWith(refreshToken: string) {
    return this.refreshTokenNoCache(refreshToken);
  }
}

/**
 * The boundary where library and network errors become AppErrors, once:
 * a refused code is the client's fault (401), a tokeninfo error is reported as Google gave it
 * (500, the classic contract), a passed deadline is 504, anything else from Google is 502.
 */
async function callGoogle<T>(call: GoogleCall, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (isTimeout(err)) {
      throw new AppError(504, Messages.googleTimeout, {
        code: `google_${call}_timeout`,
        cause: redact(err),
      });
    }
    const status = err instanceof GaxiosError ? err.response?.status : undefined;
    if (status !== undefined && status >= 400 && status < 500) {
      if (call === 'refresh' && oauthError(err) === 'invalid_grant') {
        // The grant is gone (revoked, expired, Testing-status limit): the user must reconnect.
        throw new AppError(409, Messages.googleReconnect, {
          code: 'google_invalid_grant',
          cause: redact(err),
        });
      }
      if (call === 'token') {
        throw new AppError(401, Messages.codeExchangeFailed, {
          code: 'google_token_refused',
          cause: redact(err),
        });
      }
      if (call === 'tokeninfo') {
        throw new AppError(500, tokenInfoError(err), {
          code: 'google_tokeninfo_error',
          cause: redact(err),
        });
      }
    }
    throw new AppError(502, Messages.googleBadGateway, {
      code: `google_${call}_failed`,
      cause: redact(err),
    });
  }
}

function isTimeout(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    if ((e as { code?: unknown }).code === 'ETIMEDOUT') return true;
  }
  return false;
}

/** Google's `error` field if it is a plain OAuth error code; never free upstream text. */
function oauthError(err: unknown): string | undefined {
  const data = err instanceof GaxiosError ? (err.response?.data as unknown) : undefined;
  const code = data && typeof data === 'object' ? (data as { error?: unknown }).error : undefined;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

function tokenInfoError(err: unknown): string {
  return oauthError(err) ?? 'invalid_token';
}

/** Errors keep their kind and status for the log, not the request (which holds tokens). */
function redact(err: unknown): Error {
  const status = err instanceof GaxiosError ? err.response?.status : undefined;
  const name = err instanceof Error ? err.name : 'Error';
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return Object.assign(
    new Error(`${name}${status ? ` status=${status}` : ''}${code ? ` code=${String(code)}` : ''}`),
    {
      status,
    },
  );
}

/** The access token's lifetime in seconds, from expires_in or the library's expiry_date. */
function lifetimeSeconds(tokens: z.infer<typeof tokenResponse>): number | undefined {
  if (tokens.expires_in !== undefined) return tokens.expires_in;
  if (tokens.expiry_date === undefined) return undefined;
  return Math.max(0, Math.round((tokens.expiry_date - Date.now()) / 1000));
}

function expect<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new AppError(502, Messages.googleBadGateway, { code: 'google_bad_response' });
  }
  return parsed.data;
}

function invalidIdToken(reason: string): AppError {
  return new AppError(401, Messages.invalidIdToken, {
    code: 'invalid_id_token',
    cause: new Error(reason),
  });
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

function decodeHeader(jwt: string): z.infer<typeof jwtHeader> {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw invalidIdToken('not a JWT');
  try {
    return jwtHeader.parse(JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')));
  } catch {
    throw invalidIdToken('unreadable JWT header');
  }
}

/**
 * The keys to try: the one the header names, or, for a header without `kid`, the only key
 * there is (OpenID Connect Core 10.1: `kid` is required only when there are several).
 */
function keysFor(kid: string | undefined, certs: PemCerts): PemCerts {
  if (kid !== undefined) {
    // Own keys only: a kid such as "constructor" must not find Object.prototype's members.
    const pem = Object.hasOwn(certs, kid) ? certs[kid] : undefined;
    if (typeof pem !== 'string') throw invalidIdToken('unknown kid');
    return { [kid]: pem };
  }
  const all = Object.values(certs);
  if (all.length !== 1 || all[0] === undefined) throw invalidIdToken('no kid and several keys');
  // google-auth-library looks the key up by the header's kid; an absent kid reads as "undefined".
  return { undefined: all[0] };
}

/** The Google client's error categories are part of the contract; tests use this. */
export type { GoogleCall };
