import { callGoogle, expectResponse } from './call-boundary.js';
import type { GoogleConfiguration } from './configuration.js';
import type { RefreshedTokens } from './types.js';
import { lifetimeSeconds, refreshTokenLifetime, tokenResponse } from './token-exchange.js';

/**
 * grant_type=refresh_token at Google's token endpoint, through google-auth-library with the
 * deadline and no retries. Google's invalid_grant (revoked, expired) becomes a 409 the grant
 * store records as "needs reconnect" (call-boundary.ts).
 */
export async function refreshAccessToken(
  config: GoogleConfiguration,
  refreshToken: string,
): Promise<RefreshedTokens> {
  const res = await callGoogle('refresh', () => config.oauth.refreshWith(refreshToken));
  // google-auth-library always returns `res`: `?.` is for the type checker (an equivalent mutant).
  const tokens = expectResponse(tokenResponse, res.res?.data);
  return {
    accessToken: tokens.access_token,
    expiresIn: lifetimeSeconds(tokens),
    scope: tokens.scope,
    refreshToken: tokens.refresh_token,
    refreshTokenExpiresIn: refreshTokenLifetime(tokens),
  };
}
