import { AppError, Messages } from '../core/errors.js';
import type { GoogleClient } from '../google/google-client.js';
import type { CodeGrant } from '../google/types.js';
import { profileFromGoogle } from './profile.js';
import type { GoogleIdentity } from './sign-in.js';

/** What a code flow learns from Google; the flow adds its `method`. */
export type CodeGrantIdentity = Required<Omit<GoogleIdentity, 'method' | 'delivery'>>;

/**
 * Google's part of a code-flow sign-in, in DESIGN.md's order: one code exchange, the ID token,
 * then tokeninfo and userinfo side by side, each cross-checked against the ID token.
 */
export async function authenticateWithGoogle(
  google: GoogleClient,
  grant: CodeGrant,
  expected: { nonce?: string } = {},
): Promise<CodeGrantIdentity> {
  const tokens = await google.exchangeCode(grant);
  if (!tokens.idToken) {
    throw new AppError(401, Messages.invalidIdToken, {
      code: 'invalid_id_token',
      cause: new Error('no id_token'),
    });
  }
  // Verified before the access token goes anywhere: no userinfo call for a bad ID token.
  const claims = await google.verifyIdToken(tokens.idToken, expected);
  const [info, user] = await Promise.allSettled([
    google.tokenInfo(tokens.accessToken),
    google.userInfo(tokens.accessToken),
  ]);
  if (info.status === 'rejected') throw info.reason;
  if (info.value.sub !== claims.sub) {
    throw new AppError(401, Messages.userIdMismatch, { code: 'tokeninfo_sub_mismatch' });
  }
  if (info.value.aud !== google.clientId) {
    throw new AppError(401, Messages.clientIdMismatch, { code: 'tokeninfo_aud_mismatch' });
  }
  if (user.status === 'rejected') throw user.reason;
  // OpenID Connect Core 5.3.2: userinfo's sub must be the ID token's, or its claims are not this user's.
  if (user.value.sub !== claims.sub) {
    throw new AppError(401, Messages.invalidIdToken, { code: 'userinfo_sub_mismatch' });
  }
  return {
    profile: profileFromGoogle(claims, user.value),
    tokens: {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresIn: tokens.expiresIn,
      scope: tokens.scope,
      refreshTokenExpiresIn: tokens.refreshTokenExpiresIn,
    },
  };
}
