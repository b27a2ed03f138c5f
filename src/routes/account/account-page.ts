import type { RequestHandler } from 'express';
import { AppError } from '../../core/errors.js';
import type { GoogleGrants, GrantSummary } from '../../grants/google-grants.js';
import { featureStatuses } from '../../grants/scopes.js';
import { ACCESS_ENDED, offersRenewal } from '../../grants/time-limited-access.js';
import { connectUrl } from '../../http/require-google-feature.js';
import type { GoogleClient } from '../../google/google-client.js';
import type { UserInfo } from '../../google/types.js';
import { isRecentSignIn } from '../../http/require-recent-sign-in.js';
import { signedInUser } from '../../http/require-sign-in.js';
import type { SecurityLog } from '../../storage/security-log.js';
import type { UserSessions } from '../../http/session/user-sessions.js';
import {
  featureLabel,
  describeLogEntry,
  describeScope,
  describeSignInMethod,
  pageLocale,
  timeView,
} from '../../http/page-words.js';
import { takeFlash } from '../../http/page-state.js';

export interface AccountPageDeps {
  grants: GoogleGrants;
  google: Pick<GoogleClient, 'userInfo'>;
  /** GOOGLE_FEATURES: each feature's scopes, shown with its state. */
  features: Readonly<Record<string, readonly string[]>>;
}

export interface AccountPageViewDeps extends AccountPageDeps {
  sessions: Pick<UserSessions, 'listByUser'>;
  securityLog: Pick<SecurityLog, 'list'>;
  /** Ending sessions needs a sign-in at most this old (ms); else the page offers a sign-in. */
  reauthMs: number;
  now: () => number;
}

/** GET /account (behind requireSignIn): what is stored about the user, and the Google grant. */
export function accountPage(deps: AccountPageViewDeps): RequestHandler {
  return async (req, res) => {
    const user = signedInUser(res);
    const locale = pageLocale(req);
    const nowMs = deps.now();
    const time = (at: string | number) => timeView(new Date(at).getTime(), locale, nowMs);
    const grant = await deps.grants.summary(user.id);
    const current = req.session.meta?.publicId;
    res.set('Cache-Control', 'no-store');
    res.render('account', {
      locale,
      user,
      joined: { first: time(user.createdAt), last: time(user.lastLoginAt) },
      grant: {
        ...grant,
        scopes: grant.scopes.map(describeScope),
        refreshed: grant.refreshedAt === null ? null : time(grant.refreshedAt),
        ...accessEndView(grant, nowMs, time),
      },
      features: Object.entries(featureStatuses(grant, deps.features)).map(([name, status]) => ({
        name,
        status,
        label: featureLabel(name),
        connectUrl: connectUrl(name, '/account'),
      })),
      sessions: (await deps.sessions.listByUser(user.id)).map((s) => ({
        id: s.publicId,
        current: s.publicId === current,
        device: s.data.meta?.device ?? null,
        address: s.data.meta?.address ?? null,
        method: describeSignInMethod(s.data.signInMethod),
        createdAt: time(s.createdAt),
        lastSeenAt: time(s.lastSeenAt),
      })),
      securityLog: (await deps.securityLog.list(user.id)).map((e) => ({
        kind: e.kind,
        sentence: describeLogEntry(e),
        at: time(e.atMs),
      })),
      recentSignIn: isRecentSignIn(req.session.authenticatedAt, deps.reauthMs, nowMs),
      flash: takeFlash(req),
    });
  };
}

/**
 * When time-limited access ends, as the page says it: the date, whether to offer renewal (near
 * its end, in proportion to its lifetime: offersRenewal), and whether it has ended
 * (needs_reconnect for that reason).
 */
function accessEndView(
  grant: GrantSummary,
  nowMs: number,
  time: (at: string) => ReturnType<typeof timeView>,
) {
  const endsAt = grant.accessEndsAt;
  const startsAt = grant.accessStartsAt === null ? null : Date.parse(grant.accessStartsAt);
  const ended = grant.status === 'needs_reconnect' && grant.reason === ACCESS_ENDED;
  const renew =
    grant.status === 'connected' &&
    endsAt !== null &&
    offersRenewal(startsAt, Date.parse(endsAt), nowMs);
  return { ends: endsAt === null ? null : time(endsAt), renew, ended };
}

/**
 * GET /account/google (behind requireSignIn): the connection, with the profile read from Google
 * now, through googleAccessToken — refreshed with the stored refresh token if need be. A grant
 * Google refused answers needs_reconnect (the user stays signed in); Google failing is 502/504.
 */
export function googleConnection(deps: AccountPageDeps): RequestHandler {
  return async (req, res) => {
    const user = signedInUser(res);
    res.set('Cache-Control', 'no-store');
    res.vary('Accept');
    const before = await deps.grants.summary(user.id);
    const profile = before.status === 'connected' ? await fetchProfile(deps, user.id) : null;
    // Read again only when the call changed the status (invalid_grant: needs_reconnect).
    const after = profile ? before : await deps.grants.summary(user.id);
    const { status, reason, scopes, accessEndsAt } = after;
    // A browser that navigates here gets a page; JSON stays the answer of every other client.
    if (req.accepts(['json', 'html']) === 'html') {
      const ended = reason === ACCESS_ENDED;
      res.render('google', { status, ended, scopes: scopes.map(describeScope), profile });
      return;
    }
    res.json({
      status,
      scopes,
      profile,
      features: featureStatuses(after, deps.features),
      accessEndsAt,
    });
  };
}

async function fetchProfile(deps: AccountPageDeps, userId: number): Promise<UserInfo | null> {
  try {
    return await deps.google.userInfo(await deps.grants.accessToken(userId));
  } catch (err) {
    // invalid_grant was recorded by googleAccessToken: report the new status, not an error.
    if (err instanceof AppError && err.code === 'google_invalid_grant') return null;
    throw err;
  }
}
