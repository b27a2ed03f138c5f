import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { readCookie } from '../page-notice.js';

export interface SessionOptions {
  store: session.Store;
  /** First signs, all verify: add a new secret in front to rotate, drop the old one later. */
  secrets: string[];
  production: boolean;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  /** Cookie life of an anonymous session, which holds no more than a pending sign-in. */
  anonymousMaxAgeMs: number;
  now: () => number;
  /** True when the user's sessions signed in at `signedInAt` were ended elsewhere (all devices). */
  isRevoked?: (userId: number, signedInAt: number, req: Request) => Promise<boolean>;
}

export interface SessionCookie {
  name: string;
  /** Sent over HTTPS only (production); the page notice cookie follows it. */
  secure: boolean;
  clear(res: Response): void;
}

export function sessionCookie(production: boolean): SessionCookie {
  // __Host- makes the browser refuse the cookie unless Secure, Path=/ and host-only.
  const name = production ? '__Host-sid' : 'sid';
  return {
    name,
    secure: production,
    clear: (res) =>
      res.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'lax', secure: production }),
  };
}

export function sessionMiddleware(options: SessionOptions): RequestHandler[] {
  const cookie = sessionCookie(options.production);
  const sessions = session({
    name: cookie.name,
    store: options.store,
    secret: options.secrets,
    // Equivalent to `true` in behaviour: with `rolling` an unmodified session is touched anyway;
    // `resave` would only rewrite the same data (a cost).
    resave: false, // don't save session if unmodified
    saveUninitialized: false, // don't create a session until something is stored
    rolling: true, // each request pushes the idle deadline back
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.production,
      path: '/',
      maxAge: options.idleTimeoutMs,
    },
  });
  // The absolute lifetime: a signed-in session ends this long after sign-in, however active;
  // and at once when all of the user's sessions were revoked (sign out everywhere, Google's RISC).
  const endExpiredSessions: RequestHandler = async (req, res, next) => {
    // A sign-in sets signedInAt and userId in one step and nothing removes one without the other,
    // and `now - undefined` is NaN (never past the limit): making either `!== undefined` check
    // true is an equivalent mutant. The checks keep an anonymous session from a store lookup.
    const signedInAt = req.session.signedInAt;
    const userId = req.session.userId;
    const expired =
      signedInAt !== undefined && options.now() - signedInAt > options.absoluteTimeoutMs;
    const revoked =
      !expired &&
      signedInAt !== undefined &&
      userId !== undefined &&
      (await options.isRevoked?.(userId, signedInAt, req)) === true;
    if (expired || revoked) {
      await destroySession(req);
      cookie.clear(res);
      // Go on as an anonymous request with a fresh, empty session. express-session stores it
      // (its id changed), so give it an anonymous visitor's short life, not a signed-in one's.
      req.sessionStore.generate(req);
      req.session.cookie.maxAge = options.anonymousMaxAgeMs;
      res.locals.sessionEnded = expired ? SESSION_NOTICES.expired : SESSION_NOTICES.revoked;
    } else if (isPageView(req) && cameWithLostSession(req, cookie.name)) {
      // Its row is gone: ended from another device, or the oldest beyond the cap. Told once:
      // the cleared cookie makes the next request a plain anonymous one. Only on a page view:
      // an API call racing a sign-in in the same browser (whose regeneration deleted the row it
      // read) must not clear the new session's cookie.
      cookie.clear(res);
      res.locals.sessionEnded = SESSION_NOTICES.ended;
    }
    next();
  };
  return [sessions, endExpiredSessions];
}

/** What the next page tells a browser whose session ended without it signing out (once). */
export const SESSION_NOTICES = {
  expired: 'Your session expired. Sign in again to continue.',
  revoked:
    'You were signed out: all your sessions were ended, from another device or by Google after a security alert.',
  ended: 'You were signed out: this session was ended from another device, or it expired.',
} as const;

/**
 * True when the request carried a session cookie whose session no longer exists (express-session
 * made a new one): its row was deleted elsewhere. The cookie's signature is not checked: a
 * forged cookie only earns its sender this notice.
 */
function isPageView(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') && req.accepts(['html', 'json']) === 'html'
  );
}

function cameWithLostSession(req: Request, name: string): boolean {
  const raw = readCookie(req.headers.cookie, name);
  if (raw === undefined || !raw.startsWith('s:')) return false;
  const id = raw.slice(2, raw.lastIndexOf('.'));
  return id !== req.sessionID && req.session.userId === undefined;
}

/**
 * Writes the session to the store now rather than when the response ends, so a failure becomes
 * this request's error (503) instead of a 200 for something that was not stored. On failure the
 * request lets go of its session: express-session would otherwise try the same write again as
 * the error response ends, and might store, after the 503, what the client was told did not
 * happen.
 */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((err) => {
      if (!err) return resolve();
      (req as { session: unknown }).session = null;
      reject(err as Error);
    }),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((err) => (err ? reject(err as Error) : resolve())),
  );
}
