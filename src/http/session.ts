import { createHmac } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import session, { type SessionData } from 'express-session';

/** A store that moves an unchanged session's stored expiry only now and then (a throttled touch). */
export interface ThrottledTouch {
  /** True when touch() will write this unchanged, loaded session's new expiry. */
  extendsExpiry(sess: SessionData): boolean;
}

export interface SessionOptions {
  store: session.Store & ThrottledTouch;
  /** First signs, all verify: add a new secret in front to rotate, drop the old one later. */
  secrets: string[];
  production: boolean;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  /** Cookie life of an anonymous session, which holds no more than a pending sign-in. */
  anonymousMaxAgeMs: number;
  now: () => number;
  /** True when the user's sessions signed in at `signedInAt` were ended elsewhere (all devices). */
  isRevoked?: (userId: number, signedInAt: number) => Promise<boolean>;
}

export interface SessionCookie {
  name: string;
  clear(res: Response): void;
}

export function sessionCookie(production: boolean): SessionCookie {
  // __Host- makes the browser refuse the cookie unless Secure, Path=/ and host-only.
  const name = production ? '__Host-sid' : 'sid';
  return {
    name,
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
    resave: false, // don't save session if unmodified
    saveUninitialized: false, // don't create a session until something is stored
    // Not on every response: the cookie is re-issued when the store moves the expiry (below).
    rolling: false,
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
    const signedInAt = req.session?.signedInAt;
    const userId = req.session?.userId;
    const over =
      signedInAt !== undefined &&
      (options.now() - signedInAt > options.absoluteTimeoutMs ||
        (userId !== undefined && (await options.isRevoked?.(userId, signedInAt)) === true));
    if (over) {
      await destroySession(req);
      cookie.clear(res);
      // Go on as an anonymous request with a fresh, empty session. express-session stores it
      // (its id changed), so give it an anonymous visitor's short life, not a signed-in one's.
      req.sessionStore.generate(req);
      req.session.cookie.maxAge = options.anonymousMaxAgeMs;
    }
    next();
  };
  return [reissueCookieWhenExtended(options, cookie.name), sessions, endExpiredSessions];
}

/**
 * The idle deadline: each request pushes it back, but the store writes the new expiry only once
 * it lags by its touchAfterMs (a page view costs no write). The cookie follows the stored expiry:
 * it is re-issued exactly when the store moves it, so it never ends before the server-side
 * session does, and the other page views spend nothing on signing and sending a cookie.
 * express-session sets it itself for a new or changed session (rolling: false).
 */
function reissueCookieWhenExtended(options: SessionOptions, name: string): RequestHandler {
  const secret = options.secrets[0] ?? '';
  const rotating = options.secrets.length > 1;
  return (req, res, next) => {
    // Installed before express-session's hook, so this runs after it (and after its touch).
    beforeHeaders(res, () => {
      const sess = req.session as session.Session | undefined;
      if (!sess || hasCookie(res, name)) return;
      const value = signedSessionId(req.sessionID, secret);
      const due =
        options.store.extendsExpiry(sess) || (rotating && signedWithOldSecret(req, name, value));
      if (!due || (sess.cookie.secure && !req.secure)) return;
      const { expires, httpOnly, path, sameSite, secure, domain } = sess.cookie;
      res.cookie(name, value, {
        ...(expires ? { expires } : {}),
        httpOnly,
        path,
        sameSite,
        secure: secure === true,
        domain,
      });
    });
    next();
  };
}

/** The cookie value express-session sends and accepts: "s:" + id + "." + its HMAC-SHA256. */
function signedSessionId(sid: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return `s:${sid}.${mac}`;
}

/** True when the request's cookie names this session but was signed with a secret now rotated out of first place. */
function signedWithOldSecret(req: Request, name: string, current: string): boolean {
  const sent = requestCookie(req, name);
  return sent !== undefined && sent !== current && sent.startsWith(`s:${req.sessionID}.`);
}

function requestCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (pair.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return undefined; // not a cookie express-session could have read either
    }
  }
  return undefined;
}

function hasCookie(res: Response, name: string): boolean {
  const set = res.getHeader('Set-Cookie');
  const cookies = Array.isArray(set) ? set : set === undefined ? [] : [String(set)];
  return cookies.some((c) => c.startsWith(`${name}=`));
}

/** Runs `listener` once, just before the response's headers are written. */
function beforeHeaders(res: Response, listener: () => void): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  let fired = false;
  res.writeHead = ((...args: unknown[]) => {
    if (!fired) {
      fired = true;
      listener();
    }
    return writeHead(...args);
  }) as Response['writeHead'];
}

/** Gives the browser a new session id, keeping nothing of the old session. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve())),
  );
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
