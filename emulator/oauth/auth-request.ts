/** The authorization request of the consent page (`/o/oauth2/v2/auth`), validated. */
export interface AuthRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  /** Popup mode (`redirect_uri=postmessage`): the opener's origin, the postMessage target. */
  origin?: string;
  accessType?: 'online' | 'offline';
  prompt?: string;
  includeGrantedScopes?: boolean;
  /** `hd`: the chooser offers only this Workspace domain's accounts. */
  hd?: string;
  /** `login_hint`: the account (email or sub) the chooser preselects. */
  loginHint?: string;
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  redirectUris?: string[];
  /**
   * The app's consent screen is in "Testing" status: every refresh token lives 7 days, and the
   * token response says so (refresh_token_expires_in).
   */
  testing?: boolean;
}

export interface AuthRequestError {
  error: string;
  description: string;
}

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** An http(s) origin on loopback, with nothing after the port. */
export function isLoopbackOrigin(value: string): boolean {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  return url.origin === value && isLoopbackHostname(url.hostname);
}

/**
 * Google's exact-match rule for registered redirect URIs; with none registered, any http(s)
 * URI on loopback (development convenience).
 */
export function isAllowedRedirectUri(client: RegisteredClient, redirectUri: string): boolean {
  if (client.redirectUris) return client.redirectUris.includes(redirectUri);
  const url = parseUrl(redirectUri);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  return isLoopbackHostname(url.hostname) && url.hash === '';
}

type Params = Pick<URLSearchParams, 'get'>;

function optional(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}

/** Validates the query of /o/oauth2/v2/auth (or the hidden fields of the approve form). */
export function parseAuthRequest(
  params: Params,
  findClient: (clientId: string) => RegisteredClient | undefined,
): AuthRequest | AuthRequestError {
  const clientId = optional(params, 'client_id');
  if (!clientId)
    return { error: 'invalid_request', description: 'Missing required parameter: client_id' };
  const client = findClient(clientId);
  if (!client) return { error: 'invalid_client', description: 'The OAuth client was not found.' };
  const redirectUri = optional(params, 'redirect_uri');
  if (!redirectUri) {
    return { error: 'invalid_request', description: 'Missing required parameter: redirect_uri' };
  }
  const origin = optional(params, 'origin');
  if (redirectUri === 'postmessage') {
    if (!origin || !isLoopbackOrigin(origin)) {
      return { error: 'invalid_request', description: 'Invalid parameter value for origin.' };
    }
  } else if (!isAllowedRedirectUri(client, redirectUri)) {
    return {
      error: 'redirect_uri_mismatch',
      description: `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${redirectUri}`,
    };
  }
  const responseType = params.get('response_type');
  if (responseType !== 'code') {
    return {
      error: 'unsupported_response_type',
      description: `Invalid response_type: ${responseType ?? ''}`,
    };
  }
  const codeChallenge = optional(params, 'code_challenge');
  const method = optional(params, 'code_challenge_method') ?? (codeChallenge ? 'plain' : undefined);
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return { error: 'invalid_request', description: 'Invalid code_challenge_method.' };
  }
  const scope = optional(params, 'scope');
  if (!scope) return { error: 'invalid_request', description: 'Missing required parameter: scope' };
  const accessType = optional(params, 'access_type');
  if (accessType !== undefined && accessType !== 'online' && accessType !== 'offline') {
    return {
      error: 'invalid_request',
      description: `Invalid access_type: ${accessType}`,
    };
  }
  return {
    clientId,
    redirectUri,
    scope,
    state: optional(params, 'state'),
    nonce: optional(params, 'nonce'),
    codeChallenge,
    codeChallengeMethod: codeChallenge ? method : undefined,
    origin: redirectUri === 'postmessage' ? origin : undefined,
    accessType,
    prompt: optional(params, 'prompt'),
    includeGrantedScopes: params.get('include_granted_scopes') === 'true' || undefined,
    hd: optional(params, 'hd'),
    loginHint: optional(params, 'login_hint'),
  };
}

export function isAuthRequestError(
  value: AuthRequest | AuthRequestError,
): value is AuthRequestError {
  return 'error' in value;
}
