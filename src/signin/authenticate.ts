import { AppError, Messages } from '../errors.js';
import type { CodeGrant, GoogleClient } from '../google/google-client.js';
import type { GoogleProfile } from '../storage/user-store.js';

export interface GoogleIdentity {
  profile: GoogleProfile;
  /** Kept server-side to revoke at disconnect; never logged or returned. */
  accessToken: string;
  /** Hosted domain of a Workspace account, from the ID token. */
  hostedDomain: string | undefined;
}

/**
 * Google's part of a sign-in, in DESIGN.md's order: one code exchange, the ID token,
 * then tokeninfo and userinfo side by side, each cross-checked against the ID token.
 */
export async function authenticateWithGoogle(
  google: GoogleClient,
  grant: CodeGrant,
  expected: { nonce?: string } = {},
): Promise<GoogleIdentity> {
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
  const profile = user.value;
  return {
    accessToken: tokens.accessToken,
    hostedDomain: typeof claims.hd === 'string' ? claims.hd : undefined,
    profile: {
      sub: claims.sub,
      email: profile.email ?? claims.email ?? null,
      emailVerified: (profile.email_verified ?? claims.email_verified) === true,
      name: profile.name ?? claims.name ?? null,
      picture: profile.picture ?? claims.picture ?? null,
      hostedDomain: typeof claims.hd === 'string' ? claims.hd : undefined,
    },
  };
}
