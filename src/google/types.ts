// What Google's endpoints answer, as the client hands it on: below google-client.ts and the
// modules it calls, so they share these without importing each other.

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
  /** Seconds the refresh token lives, when the user granted time-limited access. */
  refreshTokenExpiresIn?: number | undefined;
}

export interface RefreshedTokens {
  accessToken: string;
  expiresIn: number | undefined;
  scope: string | undefined;
  /** Google rarely sends a new one on refresh; when it does, it is the newest. */
  refreshToken: string | undefined;
  /** Seconds the refresh token lives, when the response says (time-limited access). */
  refreshTokenExpiresIn?: number | undefined;
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
