import express, { Router } from 'express';
import type session from 'express-session';
import type { GoogleGrants } from '../../grants/google-grants.js';
import { requireRecentSignIn } from '../../http/require-recent-sign-in.js';
import { requireSignIn } from '../../http/require-sign-in.js';
import { gdisconnect, logout, me, requireConnected, type AccountDeps } from './account.js';
import { accountPage, googleConnection } from './account-page.js';
import { accountSessions, revokeOtherSessions, revokeSession } from './account-sessions.js';
import { deleteAccount } from './delete-account.js';
import type { SecurityLog } from '../../storage/security-log.js';
import type { UserSessions } from '../../http/session/user-sessions.js';

export interface AccountRouterDeps extends AccountDeps {
  grants: GoogleGrants;
  sessions: UserSessions & session.Store;
  securityLog: SecurityLog;
  /** GOOGLE_FEATURES: each feature's scopes (the account page and GET /account/google show them). */
  features: Readonly<Record<string, readonly string[]>>;
  /** How recent a sign-in must be to end sessions, disconnect Google or delete the account (ms). */
  reauthMs: number;
}

/** The signed-in user's own things: profile, sign-out, sessions, the Google grant, deletion. */
export function accountRouter(deps: AccountRouterDeps): Router {
  const { grants, google, users, sessions, cookie, securityLog, reauthMs, now, features } = deps;
  const sessionsDeps = { sessions, cookie, securityLog, now };
  const signedIn = requireSignIn(users);
  const recentSignIn = requireRecentSignIn(reauthMs, now);
  const router = Router();
  // Not signed in stays the contract's 401 "Current user not connected."; then, like every
  // action that ends or removes things, a recent sign-in (a stolen old cookie cannot revoke).
  router.post(
    '/gdisconnect',
    requireConnected,
    recentSignIn,
    express.urlencoded({ extended: false, limit: '1kb' }),
    gdisconnect(deps),
  );
  router.post('/logout', logout(deps));
  router.get('/me', me(deps));
  router.get(
    '/account',
    signedIn,
    accountPage({ grants, google, features, sessions, securityLog, reauthMs, now }),
  );
  router.get('/account/sessions', signedIn, accountSessions(sessionsDeps));
  router.post(
    '/account/sessions/revoke-others',
    signedIn,
    recentSignIn,
    revokeOtherSessions(sessionsDeps),
  );
  router.post('/account/sessions/:id/revoke', signedIn, recentSignIn, revokeSession(sessionsDeps));
  router.get('/account/google', signedIn, googleConnection({ grants, google, features }));
  router.post(
    '/account/delete',
    signedIn,
    recentSignIn,
    express.urlencoded({ extended: false, limit: '1kb' }),
    express.json({ limit: '1kb' }),
    deleteAccount({ grants, users, sessions, cookie }),
  );
  return router;
}
