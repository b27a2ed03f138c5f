/**
 * The rows behind the session store, one implementation per engine (SQLite here, PostgreSQL in
 * pg/session-table.ts; SQLite's in sqlite/session-table.ts). `sess` is the session as JSON; `expiresAt` is in ms since the epoch.
 */
import type { User } from './user-store.js';

export interface SessionTable {
  /**
   * The live session (expired rows are never returned, so expiry holds between prunes), with its
   * user's sessions-revoked instant (account_security) and its user's row read in the same
   * statement: a signed-in page view reads once.
   */
  read(sid: string, nowMs: number): Promise<StoredSession | undefined>;
  /** `index` files a signed-in session under its user; anonymous sessions have none. */
  write(sid: string, sess: string, expiresAt: number, index?: SessionIndex): Promise<void>;
  /** write(), but only over an existing row: when there is none, nothing is written. */
  update(sid: string, sess: string, expiresAt: number, index?: SessionIndex): Promise<void>;
  /** Moves only the expiry and the last-seen time; the data is unchanged. */
  extend(sid: string, expiresAt: number, seenAt: number): Promise<void>;
  remove(sid: string): Promise<void>;
  /** Deletes every expired row in one statement (safe when several instances run it at once). */
  prune(nowMs: number): Promise<number>;
  count(nowMs: number): Promise<number>;
  clear(): Promise<void>;
  /** Deletes every session signed in as this user (account deletion); returns how many. */
  removeByUser(userId: number): Promise<number>;
  /** The user's live sessions, newest first. */
  listByUser(userId: number, nowMs: number): Promise<IndexedSession[]>;
  /** Deletes the user's session with this public id; returns how many (0 or 1). */
  removeByPublicId(userId: number, publicId: string): Promise<number>;
  /** Deletes every session of the user but the one with this public id; returns how many. */
  removeOthers(userId: number, keepPublicId: string): Promise<number>;
}

/**
 * A session row as read: `sessionsRevokedAt` is null when none was recorded (or anonymous);
 * `user` is the row of the user the session is filed under, read in the same statement, null
 * when anonymous or when that user is gone.
 */
export interface StoredSession {
  sess: string;
  expiresAt: number;
  sessionsRevokedAt: number | null;
  user: User | null;
}

/** The index columns beside a signed-in session's data (all times in ms since the epoch). */
export interface SessionIndex {
  userId: number;
  /** Shown to the user instead of the session id: random, not derived from it. */
  publicId: string | null;
  createdAt: number;
  lastSeenAt: number;
}

/** One of a user's sessions as the index lists it; `sess` is the data as JSON. */
export interface IndexedSession {
  publicId: string;
  sess: string;
  createdAt: number;
  lastSeenAt: number;
}

/** The index columns in table order (user_id, public_id, created_at, last_seen_at). */
export function indexColumns(index: SessionIndex | undefined): (number | string | null)[] {
  if (!index) return [null, null, null, null];
  return [index.userId, index.publicId, index.createdAt, index.lastSeenAt];
}
