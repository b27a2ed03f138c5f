import type { Request } from 'express';
import type { User } from '../../storage/user-store.js';

/**
 * The user row the session store read with a request's session row (one statement: the session,
 * its user's revocation instant and its user). Kept for that request only, never across
 * requests, so a deleted user or a changed profile shows at the next request as before.
 */
const loadedWithSession = new WeakMap<Request, User | null>();

export function rememberLoadedUser(req: Request, user: User | null): void {
  loadedWithSession.set(req, user);
}

/**
 * The user read with this request's session when it is user `id`; undefined when the store
 * read none for it (no session loaded, a user gone, or a sign-in during the request made the
 * session another user's): the caller then reads the user itself.
 */
export function userLoadedWithSession(req: Request, id: number): User | undefined {
  const user = loadedWithSession.get(req);
  return user?.id === id ? user : undefined;
}
