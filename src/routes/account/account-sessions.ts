import type { Request, RequestHandler, Response } from 'express';
import { AppError, Messages } from '../../core/errors.js';
import { destroySession, type SessionCookie } from '../../http/session/session.js';
import { leaveNotice } from '../../http/page-notice.js';
import { signedInUser, wantsJson } from '../../http/require-sign-in.js';
import type { SecurityLog } from '../../storage/security-log.js';
import type { ListedSession, UserSessions } from '../../http/session/user-sessions.js';

export interface AccountSessionsDeps {
  sessions: UserSessions;
  cookie: SessionCookie;
  securityLog: Pick<SecurityLog, 'record'>;
  now: () => number;
}

/** One row of GET /account/sessions: named by its public id, never by its session id. */
export interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  device: string | null;
  address: string | null;
  method: string | null;
}

/** The signed-in user's sessions as the list shows them, the current one marked. */
export async function listSessions(
  req: Request,
  sessions: Pick<UserSessions, 'listByUser'>,
  userId: number,
): Promise<SessionView[]> {
  const current = req.session.meta?.publicId;
  return (await sessions.listByUser(userId)).map((s) => viewOf(s, current));
}

function viewOf(session: ListedSession, currentPublicId: string | undefined): SessionView {
  const meta = session.data.meta;
  return {
    id: session.publicId,
    current: session.publicId === currentPublicId,
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    device: meta?.device ?? null,
    address: meta?.address ?? null,
    method: session.data.signInMethod?.method ?? null,
  };
}

/** GET /account/sessions (behind requireSignIn): JSON, or the sessions part of /account. */
export function accountSessions(deps: AccountSessionsDeps): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!wantsJson(req)) {
      res.redirect(303, '/account#sessions');
      return;
    }
    res.json(await listSessions(req, deps.sessions, signedInUser(res).id));
  };
}

/**
 * POST /account/sessions/:id/revoke (behind requireSignIn and requireRecentSignIn): the row
 * goes, so that cookie's next request finds no session. The current session ends as a sign-out.
 */
export function revokeSession(deps: AccountSessionsDeps): RequestHandler {
  return async (req, res) => {
    const user = signedInUser(res);
    const publicId = String(req.params.id);
    if (publicId === req.session.meta?.publicId) {
      await logRevoked(deps, user.id, 1);
      // Through express-session, or the response's end would write the session back.
      await destroySession(req);
      deps.cookie.clear(res);
      if (wantsPage(req)) leaveNotice(res, 'signed-out', deps.cookie.secure);
      answer(req, res, 1, '/');
      return;
    }
    const revoked = await deps.sessions.destroyByPublicId(user.id, publicId);
    if (revoked === 0) throw new AppError(404, Messages.sessionNotFound, { code: 'no_session' });
    await logRevoked(deps, user.id, revoked);
    if (wantsPage(req)) req.flash('success', 'Session ended: that device is signed out.');
    answer(req, res, revoked, '/account#sessions');
  };
}

/** POST /account/sessions/revoke-others: every session of the user but this one ends. */
export function revokeOtherSessions(deps: AccountSessionsDeps): RequestHandler {
  return async (req, res) => {
    const user = signedInUser(res);
    const current = req.session.meta?.publicId ?? '';
    const revoked = await deps.sessions.destroyOthers(user.id, current);
    await logRevoked(deps, user.id, revoked);
    if (wantsPage(req)) req.flash('success', othersEnded(revoked));
    answer(req, res, revoked, '/account#sessions');
  };
}

function othersEnded(count: number): string {
  if (count === 0) return 'There were no other sessions to end.';
  return count === 1 ? 'Signed out 1 other session.' : `Signed out ${count} other sessions.`;
}

function logRevoked(deps: AccountSessionsDeps, userId: number, count: number): Promise<void> {
  const entry = { kind: 'sessions-revoked', detail: String(count), atMs: deps.now() } as const;
  return deps.securityLog.record(userId, entry);
}

function wantsPage(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html' && !wantsJson(req);
}

/** JSON clients get the count; an HTML form goes back to the page. */
function answer(req: Request, res: Response, revoked: number, page: string): void {
  res.set('Cache-Control', 'no-store');
  if (wantsPage(req)) {
    res.redirect(303, page);
    return;
  }
  res.json({ revoked });
}
