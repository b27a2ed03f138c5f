import { z } from 'zod';
import { callGoogle, expectResponse } from './call-boundary.js';
import type { GoogleConfiguration } from './configuration.js';
import type { CodeGrant, GoogleTokens } from './types.js';

export const tokenResponse = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1).optional(),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  // google-auth-library turns expires_in into expiry_date (its own clock) in the body it returns.
  expiry_date: z.number().optional(),
  scope: z.string().optional(),
  // The refresh token's remaining life (time-limited access): Google's name and the IETF
  // draft's. Read loosely: an odd value is ignored, never a failed sign-in (refreshTokenLifetime).
  refresh_token_expires_in: z.unknown().optional(),
  refresh_token_timeout: z.unknown().optional(),
});

/** The refresh token's lifetime in seconds: the first positive finite number of the two names. */
export function refreshTokenLifetime(tokens: z.infer<typeof tokenResponse>): number | undefined {
  for (const value of [tokens.refresh_token_expires_in, tokens.refresh_token_timeout]) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/** The access token's lifetime in seconds, from expires_in or the library's expiry_date. */
export function lifetimeSeconds(tokens: z.infer<typeof tokenResponse>): number | undefined {
  if (tokens.expires_in !== undefined) return tokens.expires_in;
  if (tokens.expiry_date === undefined) return undefined;
  return Math.max(0, Math.round((tokens.expiry_date - Date.now()) / 1000));
}

/** Trades a one-time code for tokens at Google's token endpoint; never retried. */
export async function exchangeCode(
  config: GoogleConfiguration,
  grant: CodeGrant,
): Promise<GoogleTokens> {
  const res = await callGoogle(
    'token',
    () =>
      config.oauth.getToken({
        code: grant.code,
        redirect_uri: grant.redirectUri,
        codeVerifier: grant.codeVerifier,
      }),
    config.logger,
  );
  // google-auth-library always returns `res`, and its `tokens` is the same object as `res.data`:
  // `?.` and the fallback are for the type checker (equivalent mutants).
  const tokens = expectResponse(tokenResponse, res.res?.data ?? res.tokens);
  return {
    accessToken: tokens.access_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token,
    expiresIn: lifetimeSeconds(tokens),
    scope: tokens.scope,
    refreshTokenExpiresIn: refreshTokenLifetime(tokens),
  };
}
