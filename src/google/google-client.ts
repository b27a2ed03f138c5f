import { exchangeCode } from './token-exchange.js';
import { tokenInfo, userInfo } from './access-token-info.js';
import { createGoogleConfiguration, type GoogleClientOptions } from './configuration.js';
import type { GoogleEndpoints } from './endpoints.js';
import { verifyIdToken } from './id-token.js';
import type {
  CodeGrant,
  ExpectedIdToken,
  GoogleTokens,
  IdTokenClaims,
  RefreshedTokens,
  TokenInfo,
  UserInfo,
} from './types.js';
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
