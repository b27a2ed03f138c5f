import { randomBytes } from 'node:crypto';
import { isAuthRequestError, parseAuthRequest, type AuthRequest } from './auth-request.js';
import { renderConsentPage, renderErrorPage, renderPopupResponse } from './consent-page.js';
import type { EmulatorState, Handler } from '../server/context.js';
import { expandScope, isSignInScope } from './grants.js';
import { htmlReply, redirectReply, type Reply } from '../server/http.js';

type Params = Pick<URLSearchParams, 'get'>;

function errorPage(error: string, description: string): Reply {
  return htmlReply(400, renderErrorPage(400, error, description));
}

function validate(state: EmulatorState, params: Params): AuthRequest | Reply {
  const request = parseAuthRequest(params, (id) => state.findClient(id));
  return isAuthRequestError(request) ? errorPage(request.error, request.description) : request;
}

function isReply(value: AuthRequest | Reply): value is Reply {
  return 'status' in value;
}

/** GET /o/oauth2/v2/auth — the account chooser. */
export const consent: Handler = (state, { url }) => {
  const request = validate(state, url.searchParams);
  if (isReply(request)) return request;
  return htmlReply(200, renderConsentPage(request, state.accounts));
};

/**
 * The result goes back like Google's: a redirect with query parameters, or in popup mode
 * (redirect_uri=postmessage) a page that posts it to the opener at the validated origin.
 */
function respond(request: AuthRequest, result: Record<string, string>): Reply {
  const state: Record<string, string> = request.state === undefined ? {} : { state: request.state };
  if (request.redirectUri === 'postmessage' && request.origin) {
    const nonce = randomBytes(16).toString('base64');
    const message =
      'code' in result
        ? {
            type: 'emulator-code-response' as const,
            code: result.code ?? '',
            scope: result.scope ?? '',
            ...state,
          }
        : { type: 'emulator-code-response' as const, error: 'access_denied' as const, ...state };
    return htmlReply(200, renderPopupResponse(message, request.origin, nonce), {
      // The emulator's own page runs one inline script, allowed by nonce; its icon is inline data.
      'content-security-policy': `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; base-uri 'none'`,
    });
  }
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries({ ...result, ...state })) {
    target.searchParams.set(name, value);
  }
  return redirectReply(target.toString());
}

/**
 * The scopes the user left ticked on the consent page: the sign-in's always, the others only
 * when ticked. A form without the boxes (an older page, a test posting directly) approves all.
 */
function tickedScope(scope: string, form: URLSearchParams): string {
  if (form.get('scope_choice') !== '1') return scope;
  const ticked = new Set(form.getAll('granted_scope'));
  return scope
    .split(/\s+/)
    .filter((s) => s !== '' && (isSignInScope(s) || ticked.has(s)))
    .join(' ');
}

/** POST /o/oauth2/v2/auth/approve — the chooser's form: an account button or Cancel. */
export const approve: Handler = async (state, { params }) => {
  const form = await params();
  const request = validate(state, form);
  if (isReply(request)) return request;
  if (form.get('action') === 'cancel') return respond(request, { error: 'access_denied' });
  const account = state.findAccount(form.get('account') ?? '');
  if (!account) return errorPage('invalid_request', 'Choose one of the listed accounts.');
  const scope = expandScope(tickedScope(request.scope, form));
  const code = state.issueCode({
    account: account.sub,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    nonce: request.nonce,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    scope,
    accessType: request.accessType,
    prompt: request.prompt,
    includeGrantedScopes: request.includeGrantedScopes,
  });
  return respond(request, { code, scope });
};
