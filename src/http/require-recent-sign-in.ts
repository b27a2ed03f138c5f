import type { RequestHandler } from 'express';
import { AppError, Messages } from '../core/errors.js';

/**
 * Guards sensitive account actions (OWASP ASVS 5.0 V7.5.2): the session's sign-in must be at
 * most `maxAgeMs` old, else 403 and the user signs in with Google again first (a browser gets
 * the page that offers it, coming back to /account, where the action's form is). A stolen but
 * old session cookie can browse, not end the owner's sessions, disconnect Google or delete the
 * account.
 */
export function requireRecentSignIn(maxAgeMs: number, now: () => number): RequestHandler {
  return (req, _res, next) => {
    if (!isRecentSignIn(req.session.authenticatedAt, maxAgeMs, now())) {
      throw new AppError(403, Messages.reauthRequired, { code: 'reauth_required' });
    }
    next();
  };
}

/** True when Google vouched for the account in this session at most `maxAgeMs` ago. */
export function isRecentSignIn(
  authenticatedAt: number | undefined,
  maxAgeMs: number,
  nowMs: number,
): boolean {
  // `nowMs - undefined` is NaN, never <= maxAgeMs: the first check is for the type checker (an
  // equivalent mutant).
  return authenticatedAt !== undefined && nowMs - authenticatedAt <= maxAgeMs;
}
