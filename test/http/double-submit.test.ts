import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { assertDoubleSubmit } from '../../src/http/double-submit.js';

/** A request carrying `cookie` as its Cookie header (none when undefined) and `body`. */
function request(cookie: string | undefined, body?: unknown): Request {
  return {
    get: (name: string) => (name.toLowerCase() === 'cookie' ? cookie : undefined),
    body,
  } as unknown as Request;
}

/** What assertDoubleSubmit made of the request: 'passed', or the error it threw. */
function check(cookie: string | undefined, body?: unknown): unknown {
  try {
    assertDoubleSubmit(request(cookie, body));
    return 'passed';
  } catch (err) {
    return err;
  }
}

const REFUSED = expect.objectContaining({
  status: 403,
  publicMessage: 'Cross-site request refused.',
  code: 'csrf_token_mismatch',
}) as unknown;

describe("Google's double-submit check (redirect mode)", () => {
  it('when the cookie and the field are equal, then the request passes, whatever other cookies come with it', () => {
    expect(check('g_csrf_token=abc', { g_csrf_token: 'abc' })).toBe('passed');
    expect(check('sid=s%3A1; g_csrf_token=abc;theme=dark', { g_csrf_token: 'abc' })).toBe('passed');
    expect(check('a=1 ;  g_csrf_token=abc  ; b=2', { g_csrf_token: 'abc' })).toBe('passed');
  });

  it.each([
    ['no Cookie header', undefined, { g_csrf_token: 'abc' }],
    ['an empty Cookie header', '', { g_csrf_token: 'abc' }],
    ['an empty cookie and an empty field', 'g_csrf_token=', { g_csrf_token: '' }],
    ['a cookie whose name only starts with it', 'g_csrf_token2=abc', { g_csrf_token: 'abc' }],
    ['the cookie twice', 'g_csrf_token=abc; g_csrf_token=abc', { g_csrf_token: 'abc' }],
    ['no body', 'g_csrf_token=abc', undefined],
    ['no field', 'g_csrf_token=abc', { credential: 'x' }],
    ['an empty field', 'g_csrf_token=abc', { g_csrf_token: '' }],
    ['a repeated field (an array)', 'g_csrf_token=abc', { g_csrf_token: ['abc', 'abc'] }],
    ['a number field', 'g_csrf_token=1', { g_csrf_token: 1 }],
    ['a different field', 'g_csrf_token=abc', { g_csrf_token: 'abd' }],
  ])('when %s, then 403 csrf_token_mismatch', (_case, cookie, body) => {
    const err = check(cookie, body);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toEqual(REFUSED);
  });
});
