export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

/**
 * The redirect flow's authorization URL (OpenID Connect Core 3.1.2.1): the code flow with
 * state against login CSRF, nonce against ID token replay, and PKCE (S256) against code theft.
 */
export function buildAuthorizationUrl(endpoint: string, request: AuthorizationRequest): string {
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}
