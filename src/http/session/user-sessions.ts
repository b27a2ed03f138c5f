import type { SessionData } from 'express-session';

/** The sessions of one user: listed by public id, ended one, all but one, or all at once. */
export interface UserSessions {
  /** Deletes every session signed in as this user; returns how many. */
  destroyByUser(userId: number): Promise<number>;
  listByUser(userId: number): Promise<ListedSession[]>;
  destroyByPublicId(userId: number, publicId: string): Promise<number>;
  destroyOthers(userId: number, keepPublicId: string): Promise<number>;
}

/** A session as the user sees it: never its session id. */
export interface ListedSession {
  publicId: string;
  createdAt: number;
  lastSeenAt: number;
  data: SessionData;
}
