import type { Request, RequestHandler } from 'express';
import { Messages } from '../../core/errors.js';
import { assertDoubleSubmit, CSRF_COOKIE } from '../../http/double-submit.js';
import type { NonceBindingCookie } from '../../http/nonce-binding-cookie.js';
import { profileFromGoogle } from '../../signin/profile.js';
import { safeReturnTo } from '../../signin/return-to.js';
import { signIn, type SignInDeps, type SignInOutcome } from '../../signin/sign-in.js';
import { consumeState } from '../../signin/state.js';
import { verifyCredential, type VerifyCredentialDeps } from '../../signin/verify-credential.js';

export const CREDENTIAL_PATH = '/auth/google/credential';

export interface CredentialDeps extends SignInDeps, VerifyCredentialDeps {
  /** The cookie GET /login set beside the nonce; it must come back with the credential. */
  nonceBinding: NonceBindingCookie;
}

type CredentialMode = 'redirect' | 'callback';

/**
 * Google's redirect (login_uri) mode posts a form from Google's origin; our page's callback
 * mode posts JSON. Only the form is let past the cross-site refusal, and only to be held to the
 * double-submit check instead (see assertDoubleSubmit).
 */
export function isCredentialFormPost(req: Request): boolean {
  return (
    req.method === 'POST' &&
    req.path === CREDENTIAL_PATH &&
    req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded'
  );
}

/**
 * Redirect mode: Google's form, or the same fields as JSON (`{"credential", "g_csrf_token"}`,
 * as the FedCM button may post them). A JSON post cannot come from another site (it needs a
 * CORS preflight, and the cross-site check refuses it), so it is held to the double-submit check
 * like the form; our page's callback mode sends no `g_csrf_token` and is held to the state.
 */
function credentialMode(req: Request): CredentialMode {
  if (isCredentialFormPost(req)) return 'redirect';
  const body = req.body as Record<string, unknown> | undefined;
  const json = req.is('application/json') === 'application/json';
  return json && body !== undefined && Object.hasOwn(body, CSRF_COOKIE) ? 'redirect' : 'callback';
}

/**
 * POST /auth/google/credential: an ID token from the Google button or One Tap, without a code.
 * Redirect mode: the double-submit check, then 303 to `returnTo`. Callback mode: the page's
 * state, as at /gconnect, then the greeting. Both end in the same sign-in step as the code flow.
 */
export function signInWithCredential(deps: CredentialDeps): RequestHandler {
  return async (req, res) => {
    const mode = credentialMode(req);
    // Redirect mode must not rest on the session: Google's cross-site POST carries no Lax cookie.
    if (mode === 'redirect') assertDoubleSubmit(req);
    else await consumeState(req.session, req.query.state, deps.now(), deps.ledger);
    const outcome = await verifyAndSignIn(req, deps, mode);
    res.set('Cache-Control', 'no-store');
    if (mode === 'redirect') {
      if (outcome.status === 'already-connected') req.flash('info', Messages.alreadyConnected);
      res.redirect(303, safeReturnTo(req.query.returnTo));
    } else if (outcome.status === 'already-connected') {
      res.status(200).json(Messages.alreadyConnected);
    } else {
      res.render('greeting', { user: outcome.user });
    }
  };
}

async function verifyAndSignIn(
  req: Request,
  deps: CredentialDeps,
  mode: CredentialMode,
): Promise<SignInOutcome> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  // In both modes the binding cookie arrives: SameSite=None in production (see its module).
  const claims = await verifyCredential(deps, body.credential, deps.nonceBinding.read(req));
  return signIn(req, deps, {
    method: 'credential',
    profile: profileFromGoogle(claims),
    delivery: { mode, selectBy: selectBy(body.select_by) },
  });
}

/** Google's select_by (btn, user_1tap, auto, …): recorded, never trusted for anything else. */
function selectBy(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z0-9_]{1,32}$/.test(value) ? value : undefined;
}
