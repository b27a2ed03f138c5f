import type { Request, Response } from 'express';

/**
 * What the next page says after an action that ended the session (sign out, disconnect, delete,
 * "Sign out" of this browser): there is no session left to hold a flash message, so a short-lived
 * cookie names the notice by a fixed code, and the next page shows it once and clears it. It
 * carries no data: a forged cookie only shows its sender one of these sentences.
 */
export const PAGE_NOTICES = {
  'signed-out': 'You are signed out.',
  disconnected:
    "You are signed out, and this app's access to your Google account was revoked at Google.",
  'disconnected-not-revoked':
    "You are signed out, and this app's access to your Google account was deleted here; Google did not confirm the revocation (you can remove the app at myaccount.google.com/permissions).",
  deleted:
    "Your account was deleted: your profile, sessions, security log and Google tokens are gone from this app, and this app's access to your Google account was revoked at Google.",
  'deleted-not-revoked':
    'Your account was deleted: your profile, sessions, security log and Google tokens are gone from this app. Google did not confirm the revocation of its access (you can remove the app at myaccount.google.com/permissions).',
  'deleted-no-grant':
    'Your account was deleted: your profile, sessions and security log are gone from this app. It held no access to your Google account.',
} as const;

export type PageNotice = keyof typeof PAGE_NOTICES;

const COOKIE = 'gconnect_notice';

/** Leaves `notice` for the next page this browser opens (within a minute). */
export function leaveNotice(res: Response, notice: PageNotice, secure: boolean): void {
  res.cookie(COOKIE, notice, {
    maxAge: 60_000,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
  });
}

/** The notice left for this page, cleared as it is read; undefined when there is none. */
export function takeNotice(req: Request, res: Response): string | undefined {
  const code = readCookie(req.headers.cookie, COOKIE);
  if (code === undefined) return undefined;
  res.clearCookie(COOKIE, { path: '/' });
  return Object.hasOwn(PAGE_NOTICES, code) ? PAGE_NOTICES[code as PageNotice] : undefined;
}

/** One cookie's raw value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
