import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { STATE_TTL_MS } from '../signin/state.js';

export interface SessionOptions {
  store: session.Store;
  /** First signs, all verify: add a new secret in front to rotate, drop the old one later. */
  secrets: string[];
  production: boolean;
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  now: () => number;
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
    rolling: true, // each request pushes the idle deadline back
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.production,
      path: '/',
      maxAge: options.idleTimeoutMs,
    },
  });
  // The absolute lifetime: a signed-in session ends this long after sign-in, however active.
  const absoluteLifetime: RequestHandler = async (req, res, next) => {
    const signedInAt = req.session?.signedInAt;
    if (signedInAt !== undefined && options.now() - signedInAt > options.absoluteTimeoutMs) {
      await destroySession(req);
      cookie.clear(res);
      // Go on as an anonymous request with a fresh, empty session. express-session stores it
      // (its id changed), so give it an anonymous visitor's short life, not a signed-in one's.
      req.sessionStore.generate(req);
      req.session.cookie.maxAge = STATE_TTL_MS;
    }
    next();
  };
  return [sessions, absoluteLifetime];
}

/** Gives the browser a new session id, keeping nothing of the old session. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve())),
  );
}

/** Writes the session to the store now, instead of when the response ends. */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((err) => (err ? reject(err as Error) : resolve())),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((err) => (err ? reject(err as Error) : resolve())),
  );
}
