/** What a person reads on an error page: a heading, what happened in plain words, what to do. */
export interface FailurePage {
  heading: string;
  /** Plain words; may name the allowed domains. */
  text: string;
  action: { href: string; label: string };
}

const START_AGAIN = { href: '/login', label: 'Start again' };
const TRY_AGAIN = { href: '/login', label: 'Try again' };

/**
 * The page for an error, by its code: a person gets words, not "Invalid state parameter."
 * (that stays in the JSON and the log). `allowedDomains` lets a refused account be told whose
 * accounts may sign in; allowed addresses are never listed.
 */
export function describeFailure(
  code: string,
  status: number,
  allowedDomains: readonly string[],
): FailurePage {
  switch (code) {
    case 'invalid_state':
      return {
        heading: 'This sign-in has expired',
        text: 'The sign-in took too long or was already used: each sign-in works once, within 10 minutes. Please start again.',
        action: START_AGAIN,
      };
    case 'access_denied':
      return {
        heading: 'Sign-in cancelled',
        text: 'You cancelled the sign-in at Google. Nothing was shared with this site.',
        action: START_AGAIN,
      };
    case 'account_not_allowed':
      return {
        heading: 'This account cannot sign in here',
        text:
          allowedDomains.length > 0
            ? `Only accounts of ${allowedDomains.join(', ')} (and invited addresses) may sign in, with an address Google has verified. Sign in with another Google account.`
            : 'Only invited addresses may sign in, with an address Google has verified. Sign in with another Google account.',
        action: { href: '/login', label: 'Use another account' },
      };
    case 'reauth_required':
      return {
        heading: 'Sign in again first',
        text: 'Ending sessions, disconnecting Google and deleting the account need a recent sign-in. Sign in with Google again; you come back to your account page to do it.',
        action: { href: '/login?returnTo=/account&reauth=1', label: 'Sign in with Google again' },
      };
    case 'not_found':
      return {
        heading: 'Page not found',
        text: 'There is nothing at this address.',
        action: { href: '/', label: 'Go home' },
      };
  }
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
