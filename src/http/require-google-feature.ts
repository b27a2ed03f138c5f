import type { RequestHandler } from 'express';
import type { UserStore } from '../storage/user-store.js';
import { requireSignIn, wantsJson } from './require-sign-in.js';

/** Where a feature is turned on: GET /account/google/connect?feature=NAME&returnTo=/path. */
export const CONNECT_PATH = '/account/google/connect';

/**
 * The connect URL of a feature, coming back to `returnTo` (a path of this app). `guarded`: the
 * `returnTo` page needs the feature (requireGoogleFeature), so a cancelled connect must not offer
 * it as the way back: it would only send the browser to Google again.
 */
export function connectUrl(feature: string, returnTo: string, guarded = false): string {
  const query = new URLSearchParams({ feature, returnTo });
  if (guarded) query.set('guarded', '1');
  return `${CONNECT_PATH}?${query.toString()}`;
}

/**
 * Guards a route that needs a named feature: signed in (as requireSignIn) and every one of the
 * feature's scopes granted on a connected grant. Without them a browser goes to the connect URL
 * and comes back here; a JSON client gets 403 with that URL, to open (or show) itself.
 */
export function requireGoogleFeature(
  users: UserStore,
  feature: string,
  isGranted: (userId: number, feature: string) => Promise<boolean>,
): RequestHandler {
  const signedIn = requireSignIn(users);
  const checkFeature = async (...[req, res, next]: Parameters<RequestHandler>): Promise<void> => {
    const user = res.locals.user;
    if (user && (await isGranted(user.id, feature))) {
      next();
      return;
    }
    const url = connectUrl(feature, req.originalUrl, true);
    res.set('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.status(403).json({ error: 'scope_not_granted', connectUrl: url });
      return;
    }
    res.redirect(303, url);
  };
  return (req, res, next) =>
    signedIn(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(err);
        return;
      }
      // A store or Google failure goes to the error handler (503/502), never unhandled.
      checkFeature(req, res, next).catch(next);
    });
}
