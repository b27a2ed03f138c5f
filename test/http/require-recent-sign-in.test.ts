import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { isRecentSignIn, requireRecentSignIn } from '../../src/http/require-recent-sign-in.js';

const NOW = 1_700_000_000_000;
const MAX_AGE_MS = 10 * 60 * 1000;

/** Runs the guard on a session whose sign-in was at `authenticatedAt`: 'next', or its error. */
function guard(authenticatedAt: number | undefined): unknown {
  const req = { session: { authenticatedAt } } as unknown as Request;
  try {
    let passed = false;
    requireRecentSignIn(MAX_AGE_MS, () => NOW)(req, {} as Response, () => (passed = true));
    return passed ? 'next' : 'stopped';
  } catch (err) {
    return err;
  }
}

describe('a recent sign-in (isRecentSignIn)', () => {
  it('when the sign-in is exactly the maximum age old, then it is recent; 1 ms older, it is not', () => {
    expect(isRecentSignIn(NOW - MAX_AGE_MS, MAX_AGE_MS, NOW)).toBe(true);
    expect(isRecentSignIn(NOW - MAX_AGE_MS - 1, MAX_AGE_MS, NOW)).toBe(false);
    expect(isRecentSignIn(NOW, MAX_AGE_MS, NOW)).toBe(true);
  });

  it('when the session records no sign-in, then it is not recent', () => {
    expect(isRecentSignIn(undefined, MAX_AGE_MS, NOW)).toBe(false);
  });
});

describe('requireRecentSignIn', () => {
  it('when the sign-in is recent, then the request goes on', () => {
    expect(guard(NOW - MAX_AGE_MS)).toBe('next');
  });

  it('when the sign-in is too old or unknown, then 403 reauth_required and the request stops', () => {
    for (const authenticatedAt of [NOW - MAX_AGE_MS - 1, undefined]) {
      const err = guard(authenticatedAt);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 403, code: 'reauth_required' });
    }
  });
});
