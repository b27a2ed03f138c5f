import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import { AppError, Messages } from '../../core/errors.js';
import type { GoogleClient } from '../../google/google-client.js';
import type { GoogleGrants } from '../../grants/google-grants.js';
import { hostedDomainHint } from '../../signin/allowed-accounts.js';
import { authenticateWithGoogle } from '../../signin/authenticate.js';
import { reauthLoginHint } from '../../signin/authorization-url.js';
import { safeReturnTo } from '../../signin/return-to.js';
import { signIn, type SignInDeps } from '../../signin/sign-in.js';
import { claimState } from '../../signin/state.js';
import { cancelConnect, finishConnect, type ConnectFeatureDeps } from './connect-feature.js';
import { redirectToGoogle } from './to-google.js';
import type { StateLedger } from '../../storage/state-ledger.js';

export const CALLBACK_PATH = '/auth/google/callback';

export interface RedirectFlowDeps extends SignInDeps {
  google: GoogleClient;
  ledger: StateLedger;
  /** The public origin (BASE_URL); undefined: the request's. */
  baseUrl?: string | undefined;
  /** Extra scopes (GOOGLE_SCOPES). */
  scopes: readonly string[];
  /** GOOGLE_FEATURES: each feature's scopes (the callback also finishes a feature's connect). */
  features: ConnectFeatureDeps['features'];
  grants: Pick<GoogleGrants, 'keep' | 'sealForSignIn' | 'hasLiveRefreshToken' | 'summary'>;
  logger: ConnectFeatureDeps['logger'];
}

type RedirectLogin = NonNullable<SessionData['redirectLogin']>;

/**
 * GET /auth/google[?returnTo=/path]: the sign-in for browsers without JavaScript or with popups
 * blocked. Remembers state, nonce and PKCE verifier in the session, then sends the browser to
 * Google's authorization endpoint.
 */
export function startRedirectSignIn(deps: RedirectFlowDeps): RequestHandler {
  return async (req, res) => {
    await redirectToGoogle(
      req,
      res,
      deps.google,
      { returnTo: safeReturnTo(req.query.returnTo), createdAt: deps.now() },
      {
        redirectUri: callbackUrl(req, deps.baseUrl),
        scopes: deps.scopes,
        promptConsent: await needsConsent(req, deps),
        hostedDomain: hostedDomainHint(deps.allowedAccounts),
        loginHint: reauthLoginHint(req.session, req.query),
      },
    );
  };
}

/**
 * Google gives a refresh token only on first consent: a signed-in user whose grant has none
 * alive (revoked, expired, never given) is sent through the consent screen again. Anonymous
 * visitors are not (we do not know who they are yet, and most already have a live grant).
 */
async function needsConsent(req: Request, deps: RedirectFlowDeps): Promise<boolean> {
  const userId = req.session.userId;
  return userId !== undefined && !(await deps.grants.hasLiveRefreshToken(userId));
}

/**
 * GET /auth/google/callback?code&state (or ?error&state): the same sign-in as /gconnect, with
 * this flow's extra checks — the code is bound to our verifier and the ID token to our nonce.
 */
export function finishRedirectSignIn(deps: RedirectFlowDeps): RequestHandler {
  return async (req, res) => {
    const pending = await consumeRedirectLogin(req, deps);
    if (pending.connect && req.query.error === 'access_denied') {
      // Not a failed sign-in: a signed-in user chose not to turn a feature on.
      cancelConnect(req, res, { ...pending, connect: pending.connect });
      return;
    }
    const code = authorizationCode(req);
    if (pending.connect) {
      const redirectUri = callbackUrl(req, deps.baseUrl);
      await finishConnect(
        req,
        res,
        deps,
        { ...pending, connect: pending.connect },
        { code, redirectUri },
      );
      return;
    }
    const identity = await authenticateWithGoogle(
      deps.google,
      { code, redirectUri: callbackUrl(req, deps.baseUrl), codeVerifier: pending.codeVerifier },
      { nonce: pending.nonce },
    );
    const outcome = await signIn(req, deps, { method: 'redirect', ...identity });
    if (outcome.status === 'already-connected') req.flash('info', Messages.alreadyConnected);
    res.set('Cache-Control', 'no-store');
    res.redirect(303, pending.returnTo);
  };
}

/**
 * Consumes the pending request as soon as the callback is handled, so it cannot be reused by a
 * later request whatever the outcome of this one; then checks the state Google sent back.
 */
async function consumeRedirectLogin(req: Request, deps: RedirectFlowDeps): Promise<RedirectLogin> {
  const pending = req.session.redirectLogin;
  delete req.session.redirectLogin;
  await claimState(
    pending && { value: pending.state, createdAt: pending.createdAt },
    req.query.state,
    deps.now(),
    deps.ledger,
  );
  // claimState refuses a missing pending request, so from here on there is one.
  return pending as RedirectLogin;
}

/** The code from the callback's query, or Google's refusal (e.g. Cancel: access_denied). */
function authorizationCode(req: Request): string {
  const { code, error } = req.query;
  if (error !== undefined) {
    const cancelled = error === 'access_denied';
    throw new AppError(401, cancelled ? Messages.signInCancelled : Messages.signInRefused, {
      code: cancelled ? 'access_denied' : 'authorization_error',
    });
  }
  if (typeof code !== 'string' || code === '') {
    throw new AppError(400, Messages.missingCode, { code: 'missing_code' });
  }
  return code;
}

/**
 * Our callback URL: BASE_URL's, or else from the request's scheme and host (X-Forwarded-* only
 * when `trust proxy` says so). It must be the same in the authorization request and the code
 * exchange, and registered at Google, which refuses any other.
 */
export function callbackUrl(req: Request, baseUrl?: string): string {
  if (baseUrl !== undefined) return `${baseUrl}${CALLBACK_PATH}`;
  const url = parseOrigin(`${req.protocol}://${req.host ?? ''}`);
  if (!url) throw new AppError(400, Messages.badRequest, { code: 'bad_host' });
  return `${url.origin}${CALLBACK_PATH}`;
}

/** A Host header with a path, credentials, query or garbage in it does not make an origin. */
function parseOrigin(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && !url.username && !url.password && !url.search && !url.hash;
  return bare && url.hostname !== '' ? url : undefined;
}
