export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  /** Extra scopes (GOOGLE_SCOPES) beyond `openid email profile`. */
  scopes?: readonly string[];
  /** Instead of the sign-in's scopes, exactly these (a feature's connect: `openid` + its scopes). */
  onlyScopes?: readonly string[];
  /** Force Google's consent screen: the only way to get a new refresh token. */
  promptConsent?: boolean;
  /** `hd`: Google offers only this Workspace domain's accounts (one allowed domain). */
  hostedDomain?: string | undefined;
  /** `login_hint`: the account Google preselects (the signed-in user's `sub`, re-authenticating). */
  loginHint?: string | undefined;
}

/**
 * The `login_hint` of a re-authentication: the signed-in account's `sub`, when the link asked for
 * one (`?reauth=1`, the account page's "sign in again" and "Reconnect Google"). Not on every
 * sign-in of a signed-in user: Google then skips its account chooser, and "sign in again to
 * switch accounts" could not switch.
 */
export function reauthLoginHint(
  session: { userId?: number | undefined; googleSub?: string | undefined },
  query: Record<string, unknown>,
): string | undefined {
  return session.userId !== undefined && query.reauth === '1' ? session.googleSub : undefined;
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
    scope: request.onlyScopes ? request.onlyScopes.join(' ') : requestedScope(request.scopes),
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    access_type: 'offline',
    include_granted_scopes: 'true',
    ...(request.promptConsent ? { prompt: 'consent' } : {}),
    ...(request.hostedDomain !== undefined ? { hd: request.hostedDomain } : {}),
    ...(request.loginHint !== undefined ? { login_hint: request.loginHint } : {}),
  }).toString();
  return url.toString();
}
