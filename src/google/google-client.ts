import { exchangeCode } from './token-exchange.js';
import { tokenInfo, userInfo } from './access-token-info.js';
import { createGoogleConfiguration, type GoogleClientOptions } from './configuration.js';
import type { GoogleEndpoints } from './endpoints.js';
import { verifyIdToken } from './id-token.js';
import { revoke } from './revoke.js';
import { refreshAccessToken } from './token-refresh.js';

export type { GoogleClientOptions } from './configuration.js';

/**
 * Google (or its emulator) as the rest of the app sees it. One verb module per protocol step
 * does the work (token-exchange, id-token, access-token-info, revoke); call-boundary.ts turns
 * their failures into AppErrors.
 */
export interface GoogleClient {
  /** Trades a one-time code for tokens. Called once per code: never retried. */
  exchangeCode(grant: CodeGrant): Promise<GoogleTokens>;
  verifyIdToken(idToken: string, expected?: ExpectedIdToken): Promise<IdTokenClaims>;
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

/** What an ID token must carry beyond Google's signature, issuer and times. */
export interface ExpectedIdToken {
  nonce?: string;
  /**
   * The client IDs its `aud` and `azp` may name; default: only our web client. The app's own
   * Android and iOS clients are added for their tokens (POST /auth/google/native).
   */
  clients?: readonly string[];
}

export interface TokenInfo {
  sub?: string;
  aud?: string;
  azp?: string;
  email?: string;
}

export function createGoogleClient(options: GoogleClientOptions): GoogleClient {
  const config = createGoogleConfiguration(options);
  return {
    endpoints: config.endpoints,
    clientId: config.clientId,
    exchangeCode: (grant) => exchangeCode(config, grant),
    verifyIdToken: (idToken, expected) => verifyIdToken(config, idToken, expected),
    tokenInfo: (accessToken) => tokenInfo(config, accessToken),
    userInfo: (accessToken) => userInfo(config, accessToken),
    refreshAccessToken: (refreshToken) => refreshAccessToken(config, refreshToken),
    revoke: (token) => revoke(config, token),
    close: () => config.close(),
  };
}
