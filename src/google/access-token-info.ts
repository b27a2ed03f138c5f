import { z } from 'zod';
import type { GoogleCall } from '../core/errors.js';
import { callGoogle, expectResponse } from './call-boundary.js';
import type { GoogleConfiguration } from './configuration.js';
import type { TokenInfo, UserInfo } from './types.js';

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

/** Whom and which client the access token was issued to (tokeninfo, POSTed with the token). */
export function tokenInfo(config: GoogleConfiguration, accessToken: string): Promise<TokenInfo> {
  return bearerJson(
    config,
    'tokeninfo',
    config.endpoints.tokenInfo,
    'POST',
    accessToken,
    tokenInfoResponse,
  );
}

/** The account's profile claims (OpenID Connect Core §5.3). */
export function userInfo(config: GoogleConfiguration, accessToken: string): Promise<UserInfo> {
  return bearerJson(
    config,
    'userinfo',
    config.endpoints.userInfo,
    'GET',
    accessToken,
    userInfoResponse,
  );
}

/** A JSON request authorized by the access token, its body checked against `schema`. */
async function bearerJson<T>(
  config: GoogleConfiguration,
  call: GoogleCall,
  url: string,
  method: 'GET' | 'POST',
  accessToken: string,
  schema: z.ZodType<T>,
): Promise<T> {
  const res = await callGoogle(
    call,
    () =>
      config.oauth.transporter.request({
        url,
        method,
        headers: { authorization: `Bearer ${accessToken}` },
        responseType: 'json',
      }),
    config.logger,
  );
  return expectResponse(schema, res.data);
}
