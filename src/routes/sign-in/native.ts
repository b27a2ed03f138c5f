import type { Request, RequestHandler } from 'express';
import { AppError, Messages } from '../../core/errors.js';
import type { NonceBindingCookie } from '../../http/nonce-binding-cookie.js';
import { issueNonce } from '../../signin/nonce.js';
import { profileFromGoogle } from '../../signin/profile.js';
import { signIn, type SignInDeps } from '../../signin/sign-in.js';
import { verifyCredential, type VerifyCredentialDeps } from '../../signin/verify-credential.js';
import type { User } from '../../storage/user-store.js';
import { publicProfile } from '../account/account.js';
import { currentUser } from '../../http/page-state.js';

export const NONCE_PATH = '/auth/nonce';
export const NATIVE_PATH = '/auth/google/native';

export interface NativeSignInDeps extends SignInDeps, VerifyCredentialDeps {
  /** The cookie GET /auth/nonce sets beside the nonce; it must come back with the credential. */
  nonceBinding: NonceBindingCookie;
  /** The app's own Android and iOS client IDs (GOOGLE_NATIVE_CLIENT_IDS). */
  nativeClientIds: readonly string[];
}

/**
 * GET /auth/nonce: a nonce for the app's own Android or iOS client to hand to Google's sign-in
 * on the device, bound like the button's to a cookie this response sets. A native HTTP client
 * keeps it in its cookie jar (OkHttp's CookieJar, URLSession's shared storage) for the one
 * exchange; a token stolen on the way then signs in nowhere else.
 */
export function issueNativeNonce(
  deps: Pick<NativeSignInDeps, 'nonceBinding' | 'nonceKeys' | 'now'>,
): RequestHandler {
  return (req, res) => {
    const binding = deps.nonceBinding.ensure(req, res);
    res.set('Cache-Control', 'no-store');
    res.json({ nonce: issueNonce(deps.nonceKeys, deps.now(), binding) });
  };
}

/**
 * POST /auth/google/native `{"credential"}`: an ID token Google issued to the app's web client or
 * one of its native clients, with our nonce and `jti` single use, then the one signIn use case.
 * The answer is the user as JSON, and the new session's cookie.
 */
export function signInNative(deps: NativeSignInDeps): RequestHandler {
  // Android's tokens name the web client as `aud` and the Android client as `azp`; iOS's name
  // the iOS client in both: either may be any of the app's clients.
  const clients = [deps.google.clientId, ...deps.nativeClientIds];
  return async (req, res) => {
    const claims = await verifyCredential(
      deps,
      credentialOf(req),
      deps.nonceBinding.read(req),
      clients,
    );
    const outcome = await signIn(req, deps, {
      method: 'native',
      profile: profileFromGoogle(claims),
    });
    const user = outcome.status === 'signed-in' ? outcome.user : await signedInUser(req, deps);
    res.set('Cache-Control', 'no-store');
    res.status(200).json(publicProfile(user));
  };
}

/** The JSON body's `credential`; a form or any other body is not a native client's. */
function credentialOf(req: Request): unknown {
  if (req.is('application/json') !== 'application/json') {
    throw new AppError(415, Messages.unsupportedContentType, { code: 'unsupported_content_type' });
  }
  return (req.body as Record<string, unknown> | undefined)?.credential;
}

/** This session was already signed in as the token's account: the same user. */
async function signedInUser(req: Request, deps: NativeSignInDeps): Promise<User> {
  const user = await currentUser(req, deps.users);
  if (!user) throw new AppError(401, Messages.notConnected, { code: 'not_connected' });
  return user;
}
