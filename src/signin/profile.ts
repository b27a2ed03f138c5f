import type { IdTokenClaims, UserInfo } from '../google/types.js';
import type { GoogleProfile } from '../storage/user-store.js';

/**
 * The profile to store, from a verified ID token and, when the flow fetched it, userinfo (which
 * is fresher, so it wins). The caller has checked that both name the same `sub`; `hd` is taken
 * from the ID token only, since it proves the Workspace domain.
 */
export function profileFromGoogle(
  claims: IdTokenClaims,
  userInfo: Partial<UserInfo> = {},
): GoogleProfile {
  return {
    sub: claims.sub,
    email: userInfo.email ?? claims.email ?? null,
    emailVerified: (userInfo.email_verified ?? claims.email_verified) === true,
    name: userInfo.name ?? claims.name ?? null,
    picture: userInfo.picture ?? claims.picture ?? null,
    hostedDomain: typeof claims.hd === 'string' ? claims.hd : undefined,
  };
}
