import type { Request } from 'express';
import { Messages } from '../core/errors.js';
import type { GoogleGrants, GrantTokens } from '../grants/google-grants.js';
import { openAttempt } from '../http/rate-limit.js';
import { describeSession } from '../http/session/session-meta.js';
import type { NewSessionRows } from '../http/session/table-session-store.js';
import type { SignInWrites } from '../storage/sign-in-writes.js';
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
  /** Where the exchange's tokens go: the user's Google grant (sealed for a new sign-in's writes). */
  grants: Pick<GoogleGrants, 'keep' | 'sealForSignIn'>;
  /** Who may sign in; both lists empty means any Google account. */
  allowedAccounts: AllowedAccounts;
  /** The session store: it builds the new session's row, which signInWrites stores. */
  sessions: NewSessionRows;
  /** The cap: the user's oldest sessions beyond this many end at sign-in. */
  maxSessionsPerUser: number;
  /** Every write of a new sign-in (user, grant, sessions, security log), all or nothing. */
  signInWrites: SignInWrites;
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
  const user = await storeSignIn(req, deps, identity, nowMs);
  return { status: 'signed-in', user };
}

/**
 * The sign-in's writes in one transaction: the user, the grant sealed with the user's id, the
 * old session's row deleted and the new session's inserted (session fixation: a new id, nothing
 * kept), the sessions beyond the cap ended, the security log's entry, and the failed-sign-in
 * limiter's attempt given back (this one did not fail). The new session is stored
 * before the answer, so a failure is this request's error (503), not a welcome for a session
 * that does not exist; and express-session's own save as the response ends writes nothing.
 */
async function storeSignIn(
  req: Request,
  deps: SignInDeps,
  identity: GoogleIdentity,
  nowMs: number,
): Promise<User> {
  const oldSid = req.sessionID;
  const { tokens } = identity;
  let stored: (() => void) | undefined;
  const attempt = req.res && openAttempt(req.res);
  try {
    const user = await deps.signInWrites.commit({
      profile: identity.profile,
      nowMs,
      grant: tokens && ((userId) => deps.grants.sealForSignIn(userId, tokens)),
      oldSid,
      session: (signedIn) => {
        const fresh = startSignedInSession(req, deps, signedIn, identity, nowMs);
        stored = fresh.stored;
        return fresh.row;
      },
      maxSessions: deps.maxSessionsPerUser,
      log: { kind: 'sign-in', detail: logDetail(identity), atMs: nowMs },
      attempt: attempt?.attempt,
    });
    stored?.();
    attempt?.givenBack();
    return user;
  } catch (err) {
    // Nothing was written. The new session, not stored, must not be stored as the error
    // response ends either, nor its cookie set: the request lets go of it (the old one stays).
    if (req.sessionID !== oldSid) (req as { session: unknown }).session = null;
    throw err;
  }
}

/**
 * A new session for the signed-in user, in place of the request's: what express-session's
 * regenerate() does, but for the old row's delete, which is the sign-in's transaction's.
 * express-session then sets the cookie with the new id. Returns the row to store.
 */
function startSignedInSession(
  req: Request,
  deps: SignInDeps,
  user: User,
  identity: GoogleIdentity,
  nowMs: number,
) {
  req.sessionStore.generate(req);
  req.session.userId = user.id;
  req.session.googleSub = user.googleSub;
  req.session.signedInAt = nowMs;
  req.session.authenticatedAt = nowMs;
  req.session.signInMethod = { method: identity.method, ...identity.delivery };
  req.session.meta = describeSession(req);
  req.flash('success', Messages.signedInAs(user.name ?? user.email));
  return deps.sessions.newSessionRow(req.sessionID, req.session);
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
