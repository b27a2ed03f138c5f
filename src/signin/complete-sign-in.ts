import type { Request } from 'express';
import type { UserStore, User } from '../storage/user-store.js';
import type { GoogleIdentity } from './authenticate.js';

/** True when this session is already signed in as that Google account. */
export function isSignedInAs(req: Request, googleSub: string): boolean {
  return req.session.userId !== undefined && req.session.googleSub === googleSub;
}

/**
 * The app's part of a sign-in, shared by every flow: store the user, then (only once the row
 * is committed) give the browser a new session id and mark it signed in.
 */
export async function completeSignIn(
  req: Request,
  users: UserStore,
  identity: GoogleIdentity,
  nowMs: number,
): Promise<User> {
  const user = await users.upsertFromGoogle(identity.profile, new Date(nowMs));
  // Regenerate the session when signing in to prevent fixation.
  await regenerate(req);
  req.session.userId = user.id;
  req.session.googleSub = user.googleSub;
  req.session.accessToken = identity.accessToken;
  req.session.signedInAt = nowMs;
  req.flash('success', `You are now logged in as ${user.name ?? user.email ?? 'Google user'}`);
  // Stored now, not when the response ends: if the store fails, the client gets the error
  // (503) instead of a welcome for a session that does not exist.
  await saveSession(req);
  return user;
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((err) => (err ? reject(err as Error) : resolve())),
  );
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve())),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((err) => (err ? reject(err as Error) : resolve())),
  );
}
