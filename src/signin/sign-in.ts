import type { Request } from 'express';
import { Messages } from '../core/errors.js';
import { regenerateSession, saveSession } from '../http/session/session.js';
import type { GoogleGrants, GrantTokens } from '../grants/google-grants.js';
import { describeSession } from '../http/session/session-meta.js';
import type { SecurityLog } from '../storage/security-log.js';
import type { UserSessions } from '../http/session/user-sessions.js';
import type { GoogleProfile, User, UserStore } from '../storage/user-store.js';
import type { AccountSecurityStore } from '../storage/account-security.js';
import { assertAllowedAccount, type AllowedAccounts } from './allowed-accounts.js';
import { refuseDisabledAccount } from './disabled-accounts.js';

/**
 * How the client proved the account: popup code client, redirect flow, a bare ID token from the
 * Google button, or one from the app's own Android or iOS client.
 */
export type SignInMethod = 'popup' | 'redirect' | 'credential' | 'native';

/**
 * Google's tokens from a code exchange: kept in the user's grant, encrypted (never in the
 * session), never logged or returned.
 */
export type SignInTokens = GrantTokens;

/** A Google account, already verified by one of the flows. */
export interface GoogleIdentity {
  method: SignInMethod;
  profile: GoogleProfile;
  /** Absent when the flow verified an ID token on its own (no code exchange, no access token). */
  tokens?: SignInTokens | undefined;
  /** method 'credential': how Google Identity Services delivered the ID token. */
  delivery?: CredentialDelivery | undefined;
}

/** GIS's delivery mode (form POST to login_uri, or our page's callback) and its `select_by`. */
export interface CredentialDelivery {
  mode: 'redirect' | 'callback';
  selectBy: string | undefined;
}

export interface SignInDeps {
  users: UserStore;
  /** Where the exchange's tokens go: the user's Google grant. */
  grants: Pick<GoogleGrants, 'keep'>;
  /** Who may sign in; both lists empty means any Google account. */
  allowedAccounts: AllowedAccounts;
  /** Where the cap on concurrent sessions is applied. */
  sessions: Pick<UserSessions, 'evictOldest'>;
  /** The cap: the user's oldest sessions beyond this many end at sign-in. */
  maxSessionsPerUser: number;
  securityLog: Pick<SecurityLog, 'record'>;
  /** What Google's Cross-Account Protection reported about accounts (disabled ones). */
  accountSecurity: AccountSecurityStore;
  now: () => number;
}

export type SignInOutcome =
  | { status: 'signed-in'; user: User }
  /** This session is already signed in as that account: only the re-authentication time moved. */
  | { status: 'already-connected' };

/**
 * The app's part of a sign-in, shared by every flow once Google has vouched for the account.
 * Each rule is a step here, so no flow can skip one.
 */
export async function signIn(
  req: Request,
  deps: SignInDeps,
  identity: GoogleIdentity,
): Promise<SignInOutcome> {
  // Refused (403) before anything is written: no user row, no session change.
  assertAllowedAccount(identity.profile, deps.allowedAccounts);
  // Google reported the account disabled (hijacked or otherwise): no sign-in until re-enabled.
  await refuseDisabledAccount(deps.accountSecurity, identity.profile.sub);
  const nowMs = deps.now();
  if (isSignedInAs(req, identity.profile.sub)) {
    // A "Reconnect Google" comes back here: the refresh token Google just issued must be kept,
    // or the grant stays needs_reconnect while the new one lives on at Google, unknown to us.
    if (identity.tokens && req.session.userId !== undefined) {
      await deps.grants.keep(req.session.userId, identity.tokens);
    }
    // Google vouched for the account again: a re-authentication (ASVS 5.0 V7.5.2), which
    // sensitive account actions ask for (requireRecentSignIn). The session id stays.
    req.session.authenticatedAt = nowMs;
    return { status: 'already-connected' };
  }
  const user = await deps.users.upsertFromGoogle(identity.profile, new Date(nowMs));
  if (identity.tokens) await deps.grants.keep(user.id, identity.tokens);
  // Regenerate the session when signing in to prevent fixation; only once the row is committed.
  await regenerateSession(req);
  req.session.userId = user.id;
  req.session.googleSub = user.googleSub;
  req.session.signedInAt = nowMs;
  req.session.authenticatedAt = nowMs;
  req.session.signInMethod = { method: identity.method, ...identity.delivery };
  req.session.meta = describeSession(req);
  req.flash('success', Messages.signedInAs(user.name ?? user.email));
  // Stored now, not when the response ends: if the store fails, the client gets the error
  // (503) instead of a welcome for a session that does not exist.
  await saveSession(req);
  // After the save, so the new session counts among the newest it keeps.
  await deps.sessions.evictOldest(user.id, deps.maxSessionsPerUser);
  await deps.securityLog.record(user.id, {
    kind: 'sign-in',
    detail: logDetail(identity),
    atMs: nowMs,
  });
  return { status: 'signed-in', user };
}

/** The log's detail: the method, and for a credential Google's select_by (button or One Tap). */
function logDetail(identity: GoogleIdentity): string {
  const selectBy = identity.delivery?.selectBy;
  return selectBy === undefined ? identity.method : `${identity.method}:${selectBy}`;
}

/** True when this session is already signed in as that Google account. */
function isSignedInAs(req: Request, googleSub: string): boolean {
  return req.session.userId !== undefined && req.session.googleSub === googleSub;
}
