import express, { Router } from 'express';
import { parseCodeBody } from '../../http/code-body.js';
import { CREDENTIAL_PATH, signInWithCredential } from './credential.js';
import { gconnect } from './gconnect.js';
import {
  CALLBACK_PATH,
  callbackUrl,
  finishRedirectSignIn,
  startRedirectSignIn,
  type RedirectFlowDeps,
} from './redirect-flow.js';
import type { NonceBindingCookie } from '../../http/nonce-binding-cookie.js';
import { requireSignIn } from '../../http/require-sign-in.js';
import {
  CONNECT_CANCELLED_PATH,
  CONNECT_DONE_PATH,
  CONNECT_PATH,
  connectCancelledPage,
  connectDonePage,
  startConnect,
} from './connect-feature.js';
import { issueNativeNonce, NATIVE_PATH, NONCE_PATH, signInNative } from './native.js';
import type { NonceKeys } from '../../signin/nonce.js';

/** Every path that signs a user in: the failed-sign-in limit counts and refuses on these. */
export const SIGN_IN_PATHS = ['/gconnect', CALLBACK_PATH, CREDENTIAL_PATH, NATIVE_PATH];

export interface SignInRouterDeps extends RedirectFlowDeps {
  /** The button's and One Tap's nonces are MACed with these (any instance can check them). */
  nonceKeys: NonceKeys;
  /** …and bound to the browser by this cookie. */
  nonceBinding: NonceBindingCookie;
  /** The app's own Android and iOS client IDs, for POST /auth/google/native. */
  nativeClientIds: readonly string[];
}

/** The ways in, all through the one signIn use case (src/signin/sign-in.ts). */
export function signInRouter(deps: SignInRouterDeps): Router {
  const router = Router();
  // The popup code client: Google's one-time code, posted by our page.
  router.post('/gconnect', parseCodeBody(), gconnect(deps));
  // The same sign-in without JavaScript or popups: a redirect to Google and back.
  router.get('/auth/google', startRedirectSignIn(deps));
  router.get(CALLBACK_PATH, finishRedirectSignIn(deps));
  // A named feature, asked for in context by a signed-in user; it comes back to the same callback.
  router.get(
    CONNECT_PATH,
    requireSignIn(deps.users),
    startConnect(deps, (req) => callbackUrl(req, deps.baseUrl)),
  );
  router.get(CONNECT_CANCELLED_PATH, requireSignIn(deps.users), connectCancelledPage(deps));
  router.get(CONNECT_DONE_PATH, requireSignIn(deps.users), connectDonePage(deps));
  // The Google button and One Tap: an ID token (Google's form, or JSON from our page).
  router.post(
    CREDENTIAL_PATH,
    express.urlencoded({ extended: false, limit: '4kb' }),
    express.json({ limit: '4kb' }),
    signInWithCredential(deps),
  );
  // The app's own Android and iOS clients: a nonce, then Google's ID token for it, as JSON.
  router.get(NONCE_PATH, issueNativeNonce(deps));
  router.post(NATIVE_PATH, express.json({ limit: '4kb' }), signInNative(deps));
  return router;
}
