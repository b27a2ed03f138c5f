import type { Request } from 'express';
import type { User, UserStore } from '../storage/user-store.js';
import { userLoadedWithSession } from './session/loaded-user.js';

// What every page reads from the session: below the routes, so the account pages and the
// sign-in pages share it without importing each other.

/** The session's user, read once per request (the header, the guard and the page share it). */
export async function currentUser(req: Request, users: UserStore): Promise<User | undefined> {
  const id = req.session.userId;
  if (id === undefined) return undefined;
  // Keyed by id too: a sign-in during the request changes whose user this is.
  const read = readThisRequest.get(req);
  if (read?.id === id) return read.user;
  // Read with the session row at the start of this request when the store could (one statement
  // per page view); otherwise, e.g. just after a sign-in in this request, read now.
  const loaded = userLoadedWithSession(req, id);
  const user = loaded ? Promise.resolve(loaded) : users.findById(id);
  readThisRequest.set(req, { id, user });
  return user;
}

const readThisRequest = new WeakMap<Request, { id: number; user: Promise<User | undefined> }>();

/**
 * Reads and clears flash messages. connect-flash's req.flash() with nothing stored would still
 * write an empty object into the session, creating a session for every anonymous page view.
 */
export function takeFlash(req: Request): Record<string, string[]> {
  if (!req.session.flash || Object.keys(req.session.flash).length === 0) return {};
  return req.flash();
}
