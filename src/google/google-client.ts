import { exchangeCode } from './token-exchange.js';
import { tokenInfo, userInfo } from './access-token-info.js';
import { createGoogleConfiguration, type GoogleClientOptions } from './configuration.js';
import type { GoogleEndpoints } from './endpoints.js';
import { verifyIdToken } from './id-token.js';
import { revoke } from './revoke.js';

export type { GoogleClientOptions } from './configuration.js';

/**
 * Google (or its emulator) as the rest of the app sees it. One verb module per protocol step
 * does the work (token-exchange, id-token, access-token-info, revoke); call-boundary.ts turns
 * their failures into AppErrors.
 */
export interface GoogleClient {
  /** Trades a one-time code for tokens. Called once per code: never retried. */
  exchangeCode(grant: CodeGrant): Promise<GoogleTokens>;
  verifyIdToken(idToken: string, expected?: { nonce?: string }): Promise<IdTokenClaims>;
  tokenInfo(accessToken: string): Promise<TokenInfo>;
  userInfo(accessToken: string): Promise<UserInfo>;
  revoke(accessToken: string): Promise<void>;
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

export function createGoogleClient(options: GoogleClientOptions): GoogleClient {
  const config = createGoogleConfiguration(options);
  return {
    endpoints: config.endpoints,
    clientId: config.clientId,
    exchangeCode: (grant) => exchangeCode(config, grant),
    verifyIdToken: (idToken, expected) => verifyIdToken(config, idToken, expected),
    tokenInfo: (accessToken) => tokenInfo(config, accessToken),
    userInfo: (accessToken) => userInfo(config, accessToken),
    revoke: (accessToken) => revoke(config, accessToken),
    close: () => config.close(),
  };
}
