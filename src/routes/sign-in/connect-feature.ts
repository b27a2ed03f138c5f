import type { Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { Logger } from 'pino';
import { AppError, Messages } from '../../core/errors.js';
import type { GoogleClient } from '../../google/google-client.js';
import type { GoogleGrants } from '../../grants/google-grants.js';
import { featureStatuses } from '../../grants/scopes.js';
import { CONNECT_PATH, connectUrl } from '../../http/require-google-feature.js';
import { wantsJson } from '../../http/require-sign-in.js';
import { featureLabel } from '../../http/page-words.js';
import { hostedDomainHint, type AllowedAccounts } from '../../signin/allowed-accounts.js';
import { safeReturnTo } from '../../signin/return-to.js';
import { redirectToGoogle } from './to-google.js';

export { CONNECT_PATH };

/** Where a browser lands when the user cancelled a connect at Google (a clean address). */
export const CONNECT_CANCELLED_PATH = `${CONNECT_PATH}/cancelled`;

/** Where a connect opened in a popup ends: a page that tells the opener and closes. */
export const CONNECT_DONE_PATH = `${CONNECT_PATH}/done`;

export interface ConnectFeatureDeps {
  google: GoogleClient;
  grants: Pick<GoogleGrants, 'keep' | 'hasLiveRefreshToken' | 'summary'>;
  allowedAccounts: AllowedAccounts;
  /** GOOGLE_FEATURES: each feature's scopes. */
  features: Readonly<Record<string, readonly string[]>>;
  now: () => number;
  /** A failed revoke of tokens refused by a connect is logged (never failing the answer). */
  logger: Pick<Logger, 'warn'>;
}

type RedirectLogin = NonNullable<SessionData['redirectLogin']>;
/** A connect remembered in the session (see session-data.ts). */
export type PendingConnect = NonNullable<RedirectLogin['connect']>;

/** Where a connect without a (safe) returnTo lands: the page that lists the features. */
const DEFAULT_CONNECT_RETURN = '/account';

/** The feature asked for, or 404 naming the problem (a typo in a link, a feature removed). */
function configuredFeature(deps: Pick<ConnectFeatureDeps, 'features'>, name: unknown): string {
  if (typeof name !== 'string' || !Object.hasOwn(deps.features, name)) {
    throw new AppError(404, Messages.unknownFeature, { code: 'unknown_feature' });
  }
  return name;
}

/**
 * GET /account/google/connect?feature=NAME&returnTo=/path (behind requireSignIn): asks Google for
 * one feature's scopes, in context. The redirect flow's state, nonce and PKCE, remembered in the
 * session with the user it is for; include_granted_scopes keeps what was granted before.
 * prompt=consent only without a live refresh token (the only way to get a new one).
 */
export function startConnect(
  deps: ConnectFeatureDeps,
  redirectUri: (req: Request) => string,
): RequestHandler {
  return async (req, res) => {
    const feature = configuredFeature(deps, req.query.feature);
    const scopes = deps.features[feature] ?? [];
    const userId = req.session.userId as number;
    const connect: PendingConnect = {
      feature,
      userId,
      sub: req.session.googleSub ?? '',
      // Set by the account page's script when it opens the connect in a popup window.
      ...(req.query.popup === '1' ? { popup: true } : {}),
      ...(req.query.guarded === '1' ? { guarded: true } : {}),
    };
    await redirectToGoogle(
      req,
      res,
      deps.google,
      {
        returnTo:
          req.query.returnTo === undefined
            ? DEFAULT_CONNECT_RETURN
            : safeReturnTo(req.query.returnTo),
        createdAt: deps.now(),
        connect,
      },
      {
        redirectUri: redirectUri(req),
        // openid for the ID token whose `sub` proves it is the same account; nothing else.
        onlyScopes: ['openid', ...scopes],
        promptConsent: !(await deps.grants.hasLiveRefreshToken(userId)),
        hostedDomain: hostedDomainHint(deps.allowedAccounts),
        loginHint: req.session.googleSub,
      },
    );
  };
}

/**
 * The callback of a connect: the code is exchanged and the ID token checked (nonce, and `sub`
 * must be the signed-in user's), then only the grant changes: same session, same user. A scope
 * the user unticked is recorded, not refused; the user then lands on the account page (going
 * back to a page that needs the feature would only send them to Google again).
 */
export async function finishConnect(
  req: Request,
  res: Response,
  deps: ConnectFeatureDeps,
  pending: RedirectLogin & { connect: PendingConnect },
  exchange: { code: string; redirectUri: string },
): Promise<void> {
  const { connect } = pending;
  if (req.session.userId !== connect.userId) {
    throw new AppError(401, Messages.notSignedIn, { code: 'not_connected' });
  }
  const tokens = await deps.google.exchangeCode({
    ...exchange,
    codeVerifier: pending.codeVerifier,
  });
  try {
    await assertSameAccount(deps.google, tokens, pending.nonce, connect.sub);
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'wrong_account')) throw err;
    await refuseOtherAccount(req, res, deps, { connect, tokens, err });
    return;
  }
  const scopes = deps.features[connect.feature] ?? [];
  await deps.grants.keep(connect.userId, {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
    requested: ['openid', ...scopes],
  });
  const statuses = featureStatuses(await deps.grants.summary(connect.userId), {
    [connect.feature]: scopes,
  });
  const on = statuses[connect.feature] === 'granted';
  const label = featureLabel(connect.feature);
  req.flash(
    on ? 'success' : 'info',
    on ? Messages.featureOn(label) : Messages.featureStaysOff(label),
  );
  res.set('Cache-Control', 'no-store');
  if (connect.popup) {
    res.redirect(303, popupDoneUrl(connect.feature));
    return;
  }
  res.redirect(303, on ? pending.returnTo : DEFAULT_CONNECT_RETURN);
}

/** The popup's last page: the flash set for the opener's page, which reloads. */
function popupDoneUrl(feature: string): string {
  return `${CONNECT_DONE_PATH}?${new URLSearchParams({ feature }).toString()}`;
}

/**
 * Another Google account was chosen: Google just granted this app access to it, and nothing of
 * it is kept, so it is given back at Google rather than left as a grant nobody here can use or
 * end. By redirect the failure page answers (with its way back); in a popup that page would stay
 * open over the account page, so the popup closes as a cancel does and the account page,
 * reloaded, says what happened.
 */
async function refuseOtherAccount(
  req: Request,
  res: Response,
  deps: Pick<ConnectFeatureDeps, 'google' | 'logger'>,
  refused: {
    connect: PendingConnect;
    tokens: { accessToken: string; refreshToken?: string | undefined };
    err: AppError;
  },
): Promise<void> {
  await revokeRefused(deps, refused.tokens);
  const { connect } = refused;
  if (!connect.popup || wantsJson(req)) throw refused.err;
  req.flash('error', Messages.connectWrongAccount(featureLabel(connect.feature)));
  res.set('Cache-Control', 'no-store');
  res.redirect(303, popupDoneUrl(connect.feature));
}

/**
 * Revokes tokens this app will not keep (the refresh token names the whole grant, else the
 * access token does). Bounded by the Google client's deadline; a failure is logged only, so the
 * user still gets the refusal's answer.
 */
async function revokeRefused(
  deps: Pick<ConnectFeatureDeps, 'google' | 'logger'>,
  tokens: { accessToken: string; refreshToken?: string | undefined },
): Promise<void> {
  try {
    await deps.google.revoke(tokens.refreshToken ?? tokens.accessToken);
  } catch (err) {
    deps.logger.warn(
      { code: err instanceof AppError ? err.code : 'revoke_failed' },
      "revoke of another account's tokens after a refused connect failed; they were not stored",
    );
  }
}

/**
 * The user cancelled a connect at Google (`error=access_denied`): nothing changed and they are
 * still signed in (same session). A browser goes to a page saying so, with the way back and
 * "Try again"; a JSON client gets 403 with the same words.
 */
export function cancelConnect(
  req: Request,
  res: Response,
  pending: { returnTo: string; connect: PendingConnect },
): void {
  const { feature } = pending.connect;
  const words = Messages.connectCancelled(featureLabel(feature));
  if (wantsJson(req)) throw new AppError(403, words, { code: 'connect_cancelled' });
  if (pending.connect.popup) {
    // The popup closes; the opener's page, reloaded, says what happened.
    req.flash('info', words);
    res.set('Cache-Control', 'no-store');
    res.redirect(303, popupDoneUrl(feature));
    return;
  }
  const query = new URLSearchParams({ feature, returnTo: pending.returnTo });
  if (pending.connect.guarded) query.set('guarded', '1');
  res.set('Cache-Control', 'no-store');
  res.redirect(303, `${CONNECT_CANCELLED_PATH}?${query.toString()}`);
}

/**
 * GET /account/google/connect/cancelled?feature=NAME&returnTo=/path[&guarded=1] (behind
 * requireSignIn): what happened in words, the way back and "Try again". With `guarded=1` the
 * returnTo page needs the feature and would send the browser straight back to Google, so the way
 * back is the account page instead. It changes nothing, so a crafted link can only show this page.
 */
export function connectCancelledPage(deps: Pick<ConnectFeatureDeps, 'features'>): RequestHandler {
  return (req, res) => {
    const feature = configuredFeature(deps, req.query.feature);
    const returnTo =
      req.query.returnTo === undefined ? DEFAULT_CONNECT_RETURN : safeReturnTo(req.query.returnTo);
    const guarded = req.query.guarded === '1';
    res.set('Cache-Control', 'no-store');
    res.render('connect-cancelled', {
      text: Messages.connectCancelled(featureLabel(feature)),
      back: guarded
        ? { href: '/account#features', label: 'Back to your account' }
        : { href: returnTo, label: 'Go back' },
      tryAgain: connectUrl(feature, returnTo, guarded),
    });
  };
}

/**
 * GET /account/google/connect/done?feature=NAME (behind requireSignIn): the last page of a
 * connect in a popup. Its script (public/connect-done.js) tells the opener, same origin only,
 * and closes the window; the words and the link stay for a window that cannot close itself.
 */
export function connectDonePage(deps: Pick<ConnectFeatureDeps, 'features'>): RequestHandler {
  return (req, res) => {
    const feature = configuredFeature(deps, req.query.feature);
    res.set('Cache-Control', 'no-store');
    res.render('connect-done', { feature, label: featureLabel(feature) });
  };
}

/** The ID token (and the access token, by tokeninfo) must be the signed-in account's. */
async function assertSameAccount(
  google: GoogleClient,
  tokens: { idToken?: string | undefined; accessToken: string },
  nonce: string,
  sub: string,
): Promise<void> {
  if (!tokens.idToken) {
    throw new AppError(401, Messages.invalidIdToken, {
      code: 'invalid_id_token',
      cause: new Error('no id_token'),
    });
  }
  const claims = await google.verifyIdToken(tokens.idToken, { nonce });
  if (claims.sub !== sub) {
    throw new AppError(403, Messages.wrongGoogleAccount, { code: 'wrong_account' });
  }
  const info = await google.tokenInfo(tokens.accessToken);
  if (info.sub !== claims.sub) {
    throw new AppError(401, Messages.userIdMismatch, { code: 'tokeninfo_sub_mismatch' });
  }
  if (info.aud !== google.clientId) {
    throw new AppError(401, Messages.clientIdMismatch, { code: 'tokeninfo_aud_mismatch' });
  }
}
