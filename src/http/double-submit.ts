import type { Request } from 'express';
import { AppError, Messages } from '../core/errors.js';
import { safeEqual } from '../core/safe-equal.js';

/** The cookie Google's script sets on our origin and the form field Google posts beside it. */
export const CSRF_COOKIE = 'g_csrf_token';

/**
 * Google's check for its redirect (login_uri) mode: the `g_csrf_token` cookie and form field
 * must both be present and equal. Google's page posts from its own origin, so the Origin rule
 * cannot admit it; a site that could post the same form cannot set our cookie to match it.
 */
export function assertDoubleSubmit(req: Request): void {
  const cookie = readCookie(req, CSRF_COOKIE);
  const field: unknown = (req.body as Record<string, unknown> | undefined)?.[CSRF_COOKIE];
  // An empty field cannot match: an empty cookie is refused as absent.
  if (!cookie || typeof field !== 'string' || !safeEqual(cookie, field)) {
    throw new AppError(403, Messages.crossSite, { code: 'csrf_token_mismatch' });
  }
}

/** One cookie's value from the Cookie header; undefined when absent or sent twice. */
export function readCookie(req: Request, name: string): string | undefined {
  // With no Cookie header any fallback without `name=` in it yields nothing (an equivalent mutant).
  const values = (req.get('cookie') ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  // Two cookies of that name (one planted for a parent domain) leave no telling which is ours.
  return values.length === 1 ? values[0] : undefined;
}
