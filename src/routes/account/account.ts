import type { Logger } from 'pino';
import type { Request, RequestHandler, Response } from 'express';
import { AppError, Messages } from '../../core/errors.js';
import type { GoogleGrants } from '../../grants/google-grants.js';
import type { GoogleClient } from '../../google/google-client.js';
import { destroySession, type SessionCookie } from '../../http/session/session.js';
import { leaveNotice } from '../../http/page-notice.js';
import type { User, UserStore } from '../../storage/user-store.js';
import { currentUser } from '../../http/page-state.js';
import type { SecurityLog } from '../../storage/security-log.js';
import { isDatabaseUnavailable } from '../../storage/unavailable.js';

export interface AccountDeps {
  google: GoogleClient;
  users: UserStore;
  logger: Logger;
  cookie: SessionCookie;
  grants: Pick<GoogleGrants, 'revokeAndForget'>;
  securityLog: Pick<SecurityLog, 'record'>;
  now: () => number;
}

/** GET /me: the signed-in user's profile; never a token. */
export function me(deps: AccountDeps): RequestHandler {
  return async (req, res) => {
    const user = await currentUser(req, deps.users);
    if (!user) {
      res.status(401).json({ error: Messages.notSignedIn });
      return;
    }
    res.set('Cache-Control', 'no-store');
    res.json(publicProfile(user));
  };
}

/** What /me (and a native sign-in) show of a user: the profile, never a token. */
export function publicProfile(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    picture: user.picture,
    emailVerified: user.emailVerified,
  };
}

/** Before /gdisconnect's other checks: not signed in is 401 "Current user not connected." */
export const requireConnected: RequestHandler = (req, _res, next) => {
  if (req.session.userId === undefined) {
    throw new AppError(401, Messages.notConnected, { code: 'not_connected' });
  }
  next();
};

/**
 * POST /gdisconnect (behind requireConnected and requireRecentSignIn): revoke the grant at Google (the refresh token: the whole grant) and delete
 * it here, then end the session, even if Google failed.
 */
export function gdisconnect(deps: AccountDeps): RequestHandler {
  return async (req, res) => {
    const userId = req.session.userId;
    if (userId === undefined) {
      throw new AppError(401, Messages.notConnected, { code: 'not_connected' });
    }
    const revoked = await deps.grants.revokeAndForget(userId);
    await deps.securityLog.record(userId, { kind: 'disconnect', detail: null, atMs: deps.now() });
    await endSession(req, res, deps.cookie);
    if (isHtmlFormPost(req)) {
      const notice = revoked === 'not-revoked' ? 'disconnected-not-revoked' : 'disconnected';
      leaveNotice(res, notice, deps.cookie.secure);
      res.redirect(303, '/');
      return;
    }
    res.status(200).json(Messages.disconnected);
  };
}

/**
 * POST /logout: end the session, keep Google's grant. A database that refuses writes does not
 * stop a sign-out: the cookie is cleared and the store ends the session in memory until its
 * delete lands (TableSessionStore.destroy); only the security log's entry is lost, and logged.
 */
export function logout(deps: AccountDeps): RequestHandler {
  return async (req, res) => {
    const userId = req.session.userId;
    if (userId !== undefined) await recordSignOut(deps, userId);
    await endSession(req, res, deps.cookie);
    if (userId !== undefined) leaveNotice(res, 'signed-out', deps.cookie.secure);
    res.redirect(303, '/');
  };
}

async function recordSignOut(deps: AccountDeps, userId: number): Promise<void> {
  try {
    await deps.securityLog.record(userId, { kind: 'sign-out', detail: null, atMs: deps.now() });
  } catch (err) {
    if (!isDatabaseUnavailable(err)) throw err;
    deps.logger.warn({ userId }, 'sign-out not recorded in the security log: database unavailable');
  }
}

async function endSession(req: Request, res: Response, cookie: SessionCookie): Promise<void> {
  // Cleared first: whatever happens to the row, this browser is signed out.
  cookie.clear(res);
  await destroySession(req);
}

function isHtmlFormPost(req: Request): boolean {
  return (
    Boolean(req.is('application/x-www-form-urlencoded')) && req.accepts(['json', 'html']) === 'html'
  );
}
