import { isLoopbackOrigin, type RegisteredClient } from '../oauth/auth-request.js';

/**
 * How Google Identity Services' `google.accounts.id` hands the credential over:
 * `popup` (the button, to the page's callback), `redirect` (the button, a form POST to the
 * page's `login_uri`) or `onetap` (the One Tap prompt, in an iframe on the page).
 */
export type GsiMode = 'popup' | 'redirect' | 'onetap';

/** What the stand-in script asks the account chooser for (`/gsi/select`), validated. */
export interface GsiRequest {
  clientId: string;
  /** The page's origin: where the credential may go. */
  origin: string;
  mode: GsiMode;
  nonce?: string;
  /** redirect mode: where the form is posted; same origin as the page. */
  loginUri?: string;
  /** redirect mode: the value the page's script put in the `g_csrf_token` cookie. */
  csrfToken?: string;
  /** onetap: sign a returning account straight in (its choice is remembered by the emulator). */
  autoSelect: boolean;
  /** `hd`: the chooser offers only this Workspace domain's accounts. */
  hd?: string;
  /** `login_hint`: the account (email or sub) the chooser preselects. */
  loginHint?: string;
}

export interface GsiRequestError {
  error: string;
  description: string;
}

const MODES: readonly string[] = ['popup', 'redirect', 'onetap'];
const MAX_PARAM_LENGTH = 512;

type Params = Pick<URLSearchParams, 'get'>;

function optional(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' || value.length > MAX_PARAM_LENGTH ? undefined : value;
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/** Validates the query of /gsi/select (or the hidden fields of its approve form). */
export function parseGsiRequest(
  params: Params,
  findClient: (clientId: string) => RegisteredClient | undefined,
): GsiRequest | GsiRequestError {
  const clientId = optional(params, 'client_id');
  if (!clientId || !findClient(clientId)) {
    return { error: 'invalid_client', description: 'The OAuth client was not found.' };
  }
  const origin = optional(params, 'origin');
  if (!origin || !isLoopbackOrigin(origin)) {
    return { error: 'invalid_request', description: 'Invalid parameter value for origin.' };
  }
  const mode = optional(params, 'mode') ?? '';
  if (!MODES.includes(mode)) {
    return { error: 'invalid_request', description: 'mode must be popup, redirect or onetap.' };
  }
  const loginUri = optional(params, 'login_uri');
  const csrfToken = optional(params, 'g_csrf_token');
  if (mode === 'redirect' && (!loginUri || !sameOrigin(loginUri, origin) || !csrfToken)) {
    return {
      error: 'invalid_request',
      description: 'Redirect mode needs a login_uri on the page origin and a g_csrf_token.',
    };
  }
  return {
    clientId,
    origin,
    mode: mode as GsiMode,
    nonce: optional(params, 'nonce'),
    loginUri: mode === 'redirect' ? loginUri : undefined,
    csrfToken: mode === 'redirect' ? csrfToken : undefined,
    autoSelect: mode === 'onetap' && params.get('auto_select') === 'true',
    hd: optional(params, 'hd'),
    loginHint: optional(params, 'login_hint'),
  };
}

export function isGsiRequestError(value: GsiRequest | GsiRequestError): value is GsiRequestError {
  return 'error' in value;
}
