import type { Request, RequestHandler } from 'express';
import { Messages } from '../core/errors.js';
import { currentUser } from './page-state.js';
import type { User, UserStore } from '../storage/user-store.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The signed-in user, set by requireSignIn. */
      user?: User;
    }
  }
}

/** True when the client speaks JSON: it asked for JSON, or sent a JSON body. */
export function wantsJson(req: Request): boolean {
  const asked =
    Boolean(req.get('accept')?.includes('application/json')) &&
    req.accepts(['html', 'json']) === 'json';
  return asked || Boolean(req.is('application/json'));
}

/**
 * Guards the app's own routes: a signed-in user (whose row still exists) goes on with
 * `res.locals.user`; a browser is sent to sign in and brought back; JSON clients get 401.
 */
export function requireSignIn(users: UserStore): RequestHandler {
  return async (req, res, next) => {
    const user = await currentUser(req, users);
    if (user) {
      res.locals.user = user;
      next();
      return;
    }
    res.set('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.status(401).json({ error: Messages.notSignedIn });
      return;
    }
    res.redirect(302, `/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
  };
}

/** The user requireSignIn found; only for routes behind it. */
export function signedInUser(res: { locals: { user?: User } }): User {
  const user = res.locals.user;
  if (!user) throw new Error('signedInUser: the route is not behind requireSignIn');
  return user;
}
