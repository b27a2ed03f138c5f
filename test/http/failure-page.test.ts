import { describe, expect, it } from 'vitest';
import { describeFailure, failureReason, failureStatus } from '../../src/http/failure-page.js';

describe('what an error page says, by error code', () => {
  it('when the state expired or was used, then "expired" and start again', () => {
    expect(describeFailure('invalid_state', 401, [])).toEqual({
      heading: 'This sign-in has expired',
      text: 'The sign-in took too long or was already used: each sign-in works once, within 10 minutes. Please start again.',
      action: { href: '/login', label: 'Start again' },
    });
  });

  it('when the user cancelled at Google, then "cancelled", nothing shared', () => {
    expect(describeFailure('access_denied', 401, [])).toEqual({
      heading: 'Sign-in cancelled',
      text: 'You cancelled the sign-in at Google. Nothing was shared with this site.',
      action: { href: '/login', label: 'Start again' },
    });
  });

  it('when the account is not allowed, then the allowed domains are named, or only invitations', () => {
    const refused = describeFailure('account_not_allowed', 403, ['a.example', 'b.example']);
    expect(refused).toEqual({
      heading: 'This account cannot sign in here',
      text: 'Only accounts of a.example, b.example (and invited addresses) may sign in, with an address Google has verified. Sign in with another Google account.',
      action: { href: '/login', label: 'Use another account' },
    });
    expect(describeFailure('account_not_allowed', 403, []).text).toBe(
      'Only invited addresses may sign in, with an address Google has verified. Sign in with another Google account.',
    );
  });

  it('when nothing is at the address, then "not found" and go home', () => {
    expect(describeFailure('not_found', 404, [])).toEqual({
      heading: 'Page not found',
      text: 'There is nothing at this address.',
      action: { href: '/', label: 'Go home' },
    });
  });

  it('when another code is 500 or more, then "something went wrong"; below 500, "sign-in failed"', () => {
    const wrong = {
      heading: 'Something went wrong',
      text: 'The sign-in could not be completed on our side or at Google. Please try again in a moment.',
      action: { href: '/login', label: 'Try again' },
    };
    expect(describeFailure('google_token_failed', 500, [])).toEqual(wrong);
    expect(describeFailure('google_token_failed', 502, [])).toEqual(wrong);
    expect(describeFailure('google_token_refused', 499, [])).toEqual({
      heading: 'Sign-in failed',
      text: 'Google did not confirm the sign-in. Please try again.',
      action: { href: '/login', label: 'Try again' },
    });
  });
});

describe('the clean failure page address', () => {
  it('when the status is a 4xx or 5xx of three digits, then it is kept; anything else is 400', () => {
    expect(failureStatus('403')).toBe(403);
    expect(failureStatus('599')).toBe(599);
    for (const value of ['200', '1403', '4034', ' 403', '40', '4x3', undefined, ['403'], 403]) {
      expect(failureStatus(value), JSON.stringify(value)).toBe(400);
    }
  });

  it('when the reason is a code of 1 to 64 lower-case letters, digits or _, then it is kept; else ""', () => {
    expect(failureReason('invalid_state')).toBe('invalid_state');
    expect(failureReason('a'.repeat(64))).toBe('a'.repeat(64));
    for (const value of [
      '',
      'a'.repeat(65),
      'Invalid',
      '<script>',
      'x y',
      'ok!',
      undefined,
      ['x'],
    ]) {
      expect(failureReason(value), JSON.stringify(value)).toBe('');
    }
  });
});
