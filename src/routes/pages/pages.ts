import type { Request, RequestHandler } from 'express';
import type { NonceBindingCookie } from '../../http/nonce-binding-cookie.js';
import { saveSession } from '../../http/session/session.js';
import type { GoogleClient } from '../../google/google-client.js';
import { issueNonce, type NonceKeys } from '../../signin/nonce.js';
import { renderFailure } from '../../http/error-handler.js';
import { failureReason, failureStatus } from '../../http/failure-page.js';
import { reauthLoginHint, requestedScope } from '../../signin/authorization-url.js';
import { safeReturnTo } from '../../signin/return-to.js';
import { issueState, STATE_TTL_MS } from '../../signin/state.js';
import { CREDENTIAL_PATH } from '../sign-in/credential.js';
import { currentUser, takeFlash } from '../../http/page-state.js';
import type { UserStore } from '../../storage/user-store.js';

export interface GsiPageOptions {
  /** 'popup': the credential goes to the page's callback; 'redirect': Google posts it to us. */
  uxMode: 'popup' | 'redirect';
  /** Show the One Tap prompt (ONE_TAP). */
  oneTap: boolean;
  /** Let One Tap sign a returning user in without a click (ONE_TAP_AUTO_SELECT). */
  autoSelect: boolean;
}

export interface PageDeps {
  users: UserStore;
  google: GoogleClient;
  now: () => number;
  emulator: boolean;
  nonceKeys: NonceKeys;
  /** The cookie the nonce is bound to (set here when the browser has none). */
  nonceBinding: NonceBindingCookie;
  gsi: GsiPageOptions;
  /** Named to an account the popup sign-in refuses. */
  allowedDomains: readonly string[];
  /** The `hd` hint of the popup and the button (see hostedDomainHint). */
  hostedDomain?: string | undefined;
  /** Extra Google scopes (GOOGLE_SCOPES) the sign-in asks for. */
  scopes?: readonly string[];
}

/**
 * GET /login: a fresh state (for /gconnect and the button's callback) and nonce (for the ID
 * token of the button and One Tap) per view, in `data-state`/`data-nonce` or as JSON.
 */
export function loginPage(deps: PageDeps): RequestHandler {
  return async (req, res) => {
    const state = issueState(req.session, deps.now());
    // Not kept in the session: the MAC and the shared ledger check it on any instance. The MAC
    // covers this browser's binding cookie, so the credential signs in only where it was asked.
    const binding = deps.nonceBinding.ensure(req, res);
    const nonce = issueNonce(deps.nonceKeys, deps.now(), binding);
    // A visitor who never signs in keeps an anonymous session only as long as its state lives.
    if (req.session.userId === undefined) req.session.cookie.maxAge = STATE_TTL_MS;
    // A state that could not be stored would only fail at /gconnect: answer 503 here instead.
    await saveSession(req);
    res.set('Cache-Control', 'no-store');
    if (
      req.accepts(['html', 'json']) === 'json' &&
      req.get('accept')?.includes('application/json')
    ) {
      res.json({ state, nonce });
      return;
    }
    res.render('login', {
      state,
      nonce,
      gsi: deps.gsi,
      loginUri: loginUri(req),
      redirectSignInUrl: redirectSignInUrl(req),
      // Where the page goes after a popup sign-in: a same-origin path only, else home.
      returnTo: safeReturnTo(req.query.returnTo),
      allowedDomains: deps.allowedDomains.join(', '),
      user: await currentUser(req, deps.users),
      clientId: deps.google.clientId,
      scope: requestedScope(deps.scopes),
      hostedDomain: deps.hostedDomain ?? '',
      // A re-authentication (?reauth=1): Google preselects the signed-in account.
      loginHint: reauthLoginHint(req.session, req.query) ?? '',
      gsiClientUrl: deps.google.endpoints.gsiClient,
      emulator: deps.emulator,
      // A redirect sign-in may come back here (?returnTo=/login): its welcome shows here, once.
      flash: takeFlash(req),
    });
  };
}

/** Where Google posts the credential in redirect mode; it carries the page's `returnTo` on. */
function loginUri(req: Request): string {
  const returnTo = safeReturnTo(req.query.returnTo);
  return returnTo === '/'
    ? CREDENTIAL_PATH
    : `${CREDENTIAL_PATH}?${new URLSearchParams({ returnTo }).toString()}`;
}

/** The page's "Sign in with a redirect instead": its `returnTo` and a re-authentication's mark. */
function redirectSignInUrl(req: Request): string {
  const returnTo = safeReturnTo(req.query.returnTo);
  const query = new URLSearchParams({
    ...(returnTo === '/' ? {} : { returnTo }),
    ...(req.query.reauth === '1' ? { reauth: '1' } : {}),
  }).toString();
  return query === '' ? '/auth/google' : `/auth/google?${query}`;
}

export const SIGN_IN_FAILED_PATH = '/sign-in-failed';

/**
 * GET /sign-in-failed?reason=…&status=…: where a browser lands after a failed redirect sign-in,
 * at an address without Google's code and our state. It names nothing it is not given.
 */
export function signInFailedPage(allowedDomains: readonly string[]): RequestHandler {
  return (req, res) => {
    const status = failureStatus(req.query.status);
    res.set('Cache-Control', 'no-store');
    res.status(status);
    renderFailure(res, failureReason(req.query.reason), status, allowedDomains);
  };
}

/** GET /: who is signed in, and the flash messages, shown once (the standalone server's home). */
export function homePage(deps: Pick<PageDeps, 'users' | 'emulator'>): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.render('home', {
      user: await currentUser(req, deps.users),
      flash: takeFlash(req),
      emulator: deps.emulator,
    });
  };
}
