export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  /** Extra scopes (GOOGLE_SCOPES) beyond `openid email profile`. */
  scopes?: readonly string[];
  /** Force Google's consent screen: the only way to get a new refresh token. */
  promptConsent?: boolean;
}

/** What every sign-in asks for; GOOGLE_SCOPES adds to it. */
export const BASE_SCOPES = ['openid', 'email', 'profile'] as const;

export function requestedScope(extra: readonly string[] = []): string {
  return [...new Set([...BASE_SCOPES, ...extra])].join(' ');
}

/**
 * The redirect flow's authorization URL (OpenID Connect Core 3.1.2.1): the code flow with
 * state against login CSRF, nonce against ID token replay, and PKCE (S256) against code theft.
 * access_type=offline asks for a refresh token (Google gives one on first consent, or with
 * prompt=consent); include_granted_scopes keeps earlier grants in the new tokens.
 */
export function buildAuthorizationUrl(endpoint: string, request: AuthorizationRequest): string {
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: requestedScope(request.scopes),
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    access_type: 'offline',
    include_granted_scopes: 'true',
    ...(request.promptConsent ? { prompt: 'consent' } : {}),
  }).toString();
  return url.toString();
}
