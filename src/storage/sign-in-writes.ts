import type { GrantFromSignIn } from './grant-store.js';
import type { SecurityLogEntry } from './security-log.js';
import type { SessionIndex } from './session-table.js';
import type { GoogleProfile, User } from './user-store.js';

/**
 * Every write of a sign-in once Google has vouched for the account, committed all or nothing:
 * the user, their grant, the old session's row gone and the new one stored, the user's sessions
 * beyond the cap ended, the security log's entry. A failure anywhere leaves none of them (no
 * user without a session, no new session without its log entry), and the old session as it was.
 */
export interface SignInWrites {
  /** Runs the writes in one transaction; resolves with the user as stored. */
  commit(write: SignInWrite): Promise<User>;
}

export interface SignInWrite {
  profile: GoogleProfile;
  nowMs: number;
  /**
   * The grant to keep, sealed for this user (its id is the envelopes' associated data): called
   * once the user row exists, synchronously, inside the transaction. Absent: no tokens to keep.
   */
  grant?: ((userId: number) => GrantFromSignIn) | undefined;
  /** The session being replaced (session fixation): its row is deleted. */
  oldSid: string;
  /** The new session's row, built once the user is known (synchronously, inside the transaction). */
  session: (user: User) => SessionRow;
  /** The user's sessions kept: the new one and the newest `maxSessions - 1` others. */
  maxSessions: number;
  log: SecurityLogEntry;
  /**
   * The failed-sign-in limiter's attempt reserved for this request (src/http/rate-limit.ts):
   * given back here, in the same transaction, since the sign-in did not fail. Absent: the limit
   * is off, or nothing was reserved.
   */
  attempt?: ReservedAttempt | undefined;
  /** The security log's entries kept for the user (default SECURITY_LOG_KEEP). */
  logKeep?: number | undefined;
}

/** A sign-in attempt the limiter reserved: its client and window (FailedSignInCounter). */
export interface ReservedAttempt {
  clientKey: string;
  windowStart: number;
}

/** A session row as the session store serializes it; `sess` is the data as JSON. */
export interface SessionRow {
  sid: string;
  sess: string;
  expiresAt: number;
  index: SessionIndex;
}
