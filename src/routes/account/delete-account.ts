import type { Request, RequestHandler } from 'express';
import type session from 'express-session';
import { AppError, Messages } from '../../core/errors.js';
import type { GoogleGrants, RevokeOutcome } from '../../grants/google-grants.js';
import { leaveNotice, type PageNotice } from '../../http/page-notice.js';
import { destroySession, type SessionCookie } from '../../http/session/session.js';
import { signedInUser, wantsJson } from '../../http/require-sign-in.js';
import type { UserSessions } from '../../http/session/user-sessions.js';
import type { UserStore } from '../../storage/user-store.js';

export interface DeleteAccountDeps {
  grants: Pick<GoogleGrants, 'revokeAndForget'>;
  users: Pick<UserStore, 'delete'>;
  sessions: UserSessions & session.Store;
  cookie: SessionCookie;
}

/**
 * POST /account/delete (behind requireSignIn), once confirmed (`confirm=yes`, or JSON
 * `{"confirm": true}`): revokes the Google grant, deletes the user (and with it the grant row)
 * and every session of the user, this one included.
 */
export function deleteAccount(deps: DeleteAccountDeps): RequestHandler {
  return async (req, res) => {
    const user = signedInUser(res);
    if (!isConfirmed(req)) {
      throw new AppError(400, Messages.confirmDelete, { code: 'delete_not_confirmed' });
    }
    const revoked = await deps.grants.revokeAndForget(user.id);
    await deps.users.delete(user.id);
    await deps.sessions.destroyByUser(user.id);
    await destroySession(req);
    deps.cookie.clear(res);
    if (wantsJson(req) || !req.is('application/x-www-form-urlencoded')) {
      res.status(200).json({ deleted: true });
      return;
    }
    leaveNotice(res, DELETED_NOTICE[revoked], deps.cookie.secure);
    res.redirect(303, '/');
  };
}

const DELETED_NOTICE = {
  revoked: 'deleted',
  'not-revoked': 'deleted-not-revoked',
  'no-grant': 'deleted-no-grant',
} as const satisfies Record<RevokeOutcome, PageNotice>;

function isConfirmed(req: Request): boolean {
  const body = req.body as { confirm?: unknown } | undefined;
  return body?.confirm === 'yes' || body?.confirm === true;
}
