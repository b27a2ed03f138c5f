import { z } from 'zod';
import { callGoogle, expectResponse } from './call-boundary.js';
import type { GoogleConfiguration } from './configuration.js';
import type { CodeGrant, GoogleTokens } from './google-client.js';

const tokenResponse = z.object({
  access_token: z.string().min(1),
  id_token: z.string().min(1).optional(),
});

/** Trades a one-time code for tokens at Google's token endpoint; never retried. */
export async function exchangeCode(
  config: GoogleConfiguration,
  grant: CodeGrant,
): Promise<GoogleTokens> {
  const res = await callGoogle('token', () =>
    config.oauth.getToken({
      code: grant.code,
      redirect_uri: grant.redirectUri,
      codeVerifier: grant.codeVerifier,
    }),
  );
  const tokens = expectResponse(tokenResponse, res.res?.data ?? res.tokens);
  return { accessToken: tokens.access_token, idToken: tokens.id_token };
}
