/** What a person reads on an error page: a heading, what happened in plain words, what to do. */
export interface FailurePage {
  heading: string;
  /** Plain words; may name the allowed domains. */
  text: string;
  action: { href: string; label: string };
}

const START_AGAIN = { href: '/login', label: 'Start again' };
const TRY_AGAIN = { href: '/login', label: 'Try again' };
const ACCOUNT = { href: '/account', label: 'Back to your account' };
const HOME = { href: '/', label: 'Go home' };

/** Which part of the app failed: only the sign-in's own failures say "Sign-in failed". */
export type FailureArea = 'sign-in' | 'account' | 'other';

const SIGN_IN_PREFIXES = ['/login', '/gconnect', '/auth/google', '/sign-in-failed'];

/** The area of a path: the sign-in flows, the account's pages and actions, or anything else. */
export function failureAreaOf(path: string): FailureArea {
  const p = path.toLowerCase();
  if (SIGN_IN_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`))) {
    return 'sign-in';
  }
  if (p === '/gdisconnect' || p === '/logout' || p === '/me' || p.startsWith('/account')) {
    return 'account';
  }
  return 'other';
}

/** Pages by code whatever the area: each names what happened and the one next step. */
const BY_CODE: Record<string, (domains: readonly string[]) => FailurePage> = {
  invalid_state: () => ({
    heading: 'This sign-in has expired',
    text: 'The sign-in took too long or was already used: each sign-in works once, within 10 minutes. Please start again.',
    action: START_AGAIN,
  }),
  access_denied: () => ({
    heading: 'Sign-in cancelled',
    text: 'You cancelled the sign-in at Google. Nothing was shared with this site.',
    action: START_AGAIN,
  }),
  account_not_allowed: (allowedDomains) => ({
    heading: 'This account cannot sign in here',
    text:
      allowedDomains.length > 0
        ? `Only accounts of ${allowedDomains.join(', ')} (and invited addresses) may sign in, with an address Google has verified. Sign in with another Google account.`
        : 'Only invited addresses may sign in, with an address Google has verified. Sign in with another Google account.',
    action: { href: '/login', label: 'Use another account' },
  }),
  account_disabled: () => ({
    heading: 'This account cannot sign in for now',
    text: 'Google reported this account as disabled, so signing in with it is suspended. Once Google enables it again, you can sign in.',
    action: HOME,
  }),
  rate_limited: () => ({
    heading: 'Too many sign-in attempts',
    text: 'Too many sign-ins failed from your network. Wait a minute, then try again.',
    action: TRY_AGAIN,
  }),
  reauth_required: () => ({
    heading: 'Sign in again to continue',
    text: 'Ending sessions, disconnecting Google and deleting your account need a recent sign-in. Sign in again; you come back to your account page to do it.',
    action: { href: '/login?returnTo=/account&reauth=1', label: 'Sign in again' },
  }),
  not_connected: () => ({
    heading: 'You are already signed out',
    text: 'This browser is not signed in (perhaps you signed out in another tab), so there is nothing to disconnect.',
    action: { href: '/login', label: 'Sign in' },
  }),
  delete_not_confirmed: () => ({
    heading: 'Tick the box to confirm',
    text: 'Nothing was deleted. To delete your account, tick "Yes, delete my account" and press the button again.',
    action: { href: '/account#delete', label: 'Back to your account' },
  }),
  unknown_feature: () => ({
    heading: 'No such feature',
    text: 'The link names a feature this app does not offer (perhaps it was renamed). Your account page lists the features you can turn on.',
    action: ACCOUNT,
  }),
  wrong_account: () => ({
    heading: 'That is another Google account',
    text: 'A feature is turned on with the Google account you are signed in with. You chose another one, so nothing was changed and you are still signed in as before.',
    action: { href: '/account#features', label: 'Back to your account' },
  }),
  no_session: () => ({
    heading: 'That session has already ended',
    text: 'The session you tried to end is no longer there: it was ended already, or it expired.',
    action: { href: '/account#sessions', label: 'See your sessions' },
  }),
  needs_reconnect: () => ({
    heading: 'Reconnect Google',
    text: "Google no longer accepts this app's access to your account (it expired or was revoked). Reconnect to give it again.",
    action: { href: '/auth/google?returnTo=/account&reauth=1', label: 'Reconnect Google' },
  }),
  scope_not_granted: () => ({
    heading: 'Google did not grant the access this needs',
    text: 'Reconnect Google and allow the access this app asks for.',
    action: { href: '/auth/google?returnTo=/account&reauth=1', label: 'Reconnect Google' },
  }),
  cross_site: () => ({
    heading: 'Request refused',
    text: 'This form was sent from another site, so it was refused to protect your account. Open the page here and try again.',
    action: HOME,
  }),
  csrf_token_mismatch: () => ({
    heading: 'Request refused',
    text: 'This sign-in came without the check this site set, so it was refused. Open the sign-in page here and try again.',
    action: START_AGAIN,
  }),
  storage_unavailable: () => ({
    heading: 'Temporarily unavailable',
    text: 'This site cannot reach its database just now. Nothing changed; please try again in a moment.',
    action: HOME,
  }),
  not_found: () => ({
    heading: 'Page not found',
    text: 'There is nothing at this address.',
    action: HOME,
  }),
};

/**
 * The page for an error, by its code and the area it happened in: a person gets words, not
 * "Invalid state parameter." (that stays in the JSON and the log). `allowedDomains` lets a
 * refused account be told whose accounts may sign in; allowed addresses are never listed.
 */
export function describeFailure(
  code: string,
  status: number,
  allowedDomains: readonly string[],
  area: FailureArea = 'sign-in',
): FailurePage {
  const known = BY_CODE[code];
  if (known) return known(allowedDomains);
  if (area !== 'sign-in') return otherFailure(status, area);
  if (status >= 500) {
    return {
      heading: 'Something went wrong',
      text: 'The sign-in could not be completed on our side or at Google. Please try again in a moment.',
      action: TRY_AGAIN,
    };
  }
  return {
    heading: 'Sign-in failed',
    text: 'Google did not confirm the sign-in. Please try again.',
    action: TRY_AGAIN,
  };
}

function otherFailure(status: number, area: Exclude<FailureArea, 'sign-in'>): FailurePage {
  const back = area === 'account' ? ACCOUNT : HOME;
  if (status === 502 || status === 504) {
    return {
      heading: 'Google did not answer',
      text: 'Google did not answer in time or answered with an error. Please try again in a moment.',
      action: back,
    };
  }
  if (status >= 500) {
    return {
      heading: 'Something went wrong on our side',
      text: 'This could not be done because of a problem on our side. Please try again in a moment.',
      action: back,
    };
  }
  return {
    heading: 'This request could not be completed',
    text: 'The request was not understood or is no longer valid. Go back and try again.',
    action: back,
  };
}

/**
 * The status a clean failure page (`/sign-in-failed?reason=…&status=…`) answers with: an error
 * status, or 400 for anything else a hand-edited address may bring.
 */
export function failureStatus(value: unknown): number {
  return typeof value === 'string' && /^[45]\d\d$/.test(value) ? Number(value) : 400;
}

/** The error code a clean failure page names, or '' for anything that is not one. */
export function failureReason(value: unknown): string {
  return typeof value === 'string' && /^[a-z0-9_]{1,64}$/.test(value) ? value : '';
}
