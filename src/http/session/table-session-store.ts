import type { Request } from 'express';
import session from 'express-session';
import type { SessionData } from 'express-session';
import type { SqliteDatabase } from '../../storage/sqlite/database.js';
import type { SessionIndex, SessionTable } from '../../storage/session-table.js';
import type { SessionRow } from '../../storage/sign-in-writes.js';
import { createSqliteSessionTable } from '../../storage/sqlite/session-table.js';
import type { ListedSession, UserSessions } from './user-sessions.js';
import { rememberLoadedUser } from './loaded-user.js';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../storage/unavailable.js';

export interface SessionStoreOptions {
  /** Lifetime of a session whose cookie carries no expiry (ms). */
  defaultTtlMs?: number;
  /** How often expired rows are deleted (ms); 0 turns the timer off. */
  pruneIntervalMs?: number;
  /**
   * An unchanged session's stored expiry is moved only once it lags the new one by this much
   * (ms), so page views cost no write; a session then lives between idle - touchAfterMs and
   * idle after its last request.
   */
  touchAfterMs?: number;
  now?: () => number;
  /** Extra work for the pruning timer (the other tables' expired rows). */
  onPrune?: (nowMs: number) => Promise<void>;
  /** Where a failed background prune is reported (a busy database; the next tick retries). */
  onError?: (err: unknown) => void;
  /** How often a removal the database refused is tried again (ms); see destroy(). */
  retryRemovalMs?: number;
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * The stored expiry, handed to express-session with the data so that touch() can tell whether
 * the row needs a write. Part of the data when loaded, so it never marks the session modified.
 */
const STORED_EXPIRY = '_storedExpiresAt';

/**
 * The user's sessions-revoked instant, read with the row; createSession() takes it out of the
 * data before express-session copies and hashes it, and keeps it for the request.
 */
const REVOKED_AT = '_sessionsRevokedAt';

/** The session's user row, read with it; taken out of the data like REVOKED_AT (loaded-user.ts). */
const LOADED_USER = '_loadedUser';

/**
 * A session held by a request was loaded from the store (get() marks it) or written by it
 * already (a new session saved twice in one request). Its writes only update: if the row is gone
 * meanwhile (revoked from another device, evicted by the cap, its user deleted), the request
 * must not store it again.
 */
function wasStored(sess: SessionData, written: WeakMap<object, LastWrite>): boolean {
  return STORED_EXPIRY in sess || written.has(sess);
}

/** What this store last wrote for a session object: the same again is not written twice. */
interface LastWrite {
  sid: string;
  expiresAt: number;
  /** The data but for the cookie's expiry, which express-session rolls forward at each save. */
  content: string;
}

/** The session as stored, but for its cookie's expiry. */
function contentOf(sess: SessionData): string {
  return JSON.stringify(sess, function (this: unknown, key: string, value: unknown) {
    if (key === STORED_EXPIRY || key === REVOKED_AT || key === LOADED_USER) return undefined;
    if (this === sess && key === 'cookie' && typeof value === 'object' && value !== null) {
      return { ...value, expires: undefined };
    }
    return value;
  });
}

/** The session's data as its row stores it: what was read with it left out. */
function serialize(sess: SessionData): string {
  return JSON.stringify({
    ...sess,
    [STORED_EXPIRY]: undefined,
    [REVOKED_AT]: undefined,
    [LOADED_USER]: undefined,
  });
}

/** A new signed-in session's row, for a sign-in that stores it in its own transaction. */
export interface NewSessionRows {
  /**
   * The row set() would insert for this new session; `stored()`, called once the sign-in's
   * transaction committed, records it as this store's last write, so that express-session's save
   * as the response ends writes nothing (see set()).
   */
  newSessionRow(sid: string, sess: SessionData): { row: SessionRow; stored: () => void };
}

/**
 * express-session store over a SessionTable. The prune timer is unref'd so it never keeps the
 * process alive.
 */
export class TableSessionStore extends session.Store implements UserSessions, NewSessionRows {
  private readonly table: SessionTable;
  private readonly now: () => number;
  private readonly defaultTtlMs: number;
  private readonly touchAfterMs: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onPrune: ((nowMs: number) => Promise<void>) | undefined;
  private readonly onError: (err: unknown) => void;
  private readonly revokedAt = new WeakMap<object, number | null>();
  /**
   * What this store wrote for each session object it was handed: a new session's later writes
   * are updates (see wasStored), and a write of exactly what was last written is skipped. A
   * sign-in stores its new session in its own transaction before answering (newSessionRow), so
   * that a failure is a 503, not a welcome, and express-session, which saves a session whose id
   * changed as the response ends, would write it again.
   */
  private readonly written = new WeakMap<object, LastWrite>();
  /** Ended sessions whose row the database refused to delete: see destroy(). */
  private readonly unremoved = new Set<string>();
  private readonly retryRemovalMs: number;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(table: SessionTable, options: SessionStoreOptions = {}) {
    super();
    this.table = table;
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = options.defaultTtlMs ?? 24 * 60 * 60 * 1000;
    this.touchAfterMs = options.touchAfterMs ?? 5 * 60 * 1000;
    this.onPrune = options.onPrune;
    this.onError = options.onError ?? (() => {});
    this.retryRemovalMs = options.retryRemovalMs ?? 2000;
    const interval = options.pruneIntervalMs ?? 10 * 60 * 1000;
    if (interval > 0) {
      this.timer = setInterval(() => this.pruneSafely(), interval);
      this.timer.unref();
    }
  }

  override get(sid: string, cb: Callback<SessionData | null>): void {
    this.run(cb, async () => {
      // Ended here, its row not yet deleted (see destroy()): never loaded again.
      if (this.unremoved.has(sid)) return null;
      const row = await this.table.read(sid, this.now());
      if (!row) return null;
      return {
        ...(JSON.parse(row.sess) as SessionData),
        [STORED_EXPIRY]: row.expiresAt,
        [REVOKED_AT]: row.sessionsRevokedAt,
        [LOADED_USER]: row.user,
      };
    });
  }

  override createSession(req: Request, sess: SessionData): session.Session & SessionData {
    const data = sess as unknown as Record<string, unknown>;
    if (REVOKED_AT in data) {
      this.revokedAt.set(req, data[REVOKED_AT] as number | null);
      delete data[REVOKED_AT];
    }
    if (LOADED_USER in data) {
      rememberLoadedUser(req, data[LOADED_USER] as Parameters<typeof rememberLoadedUser>[1]);
      delete data[LOADED_USER];
    }
    return super.createSession(req, sess);
  }

  /**
   * The sessions-revoked instant of the user of the session this request loaded, read with the
   * session row (so a signed-in request spends no statement of its own on it); undefined when
   * the request loaded none.
   */
  sessionsRevokedAt(req: Request): number | null | undefined {
    return this.revokedAt.get(req);
  }

  /**
   * Inserts a new session; only updates one that was stored. A session deleted while its
   * request ran is not written back: the callback gets no error (the response goes on, the
   * client's next request finds no session and is signed out).
   */
  override set(sid: string, sess: SessionData, cb?: Callback): void {
    this.run(cb, async () => {
      const [expiresAt, content] = [this.expiryOf(sess), contentOf(sess)];
      // Written already by this request, unchanged but for an expiry moved less than touch()
      // would move it: one write, not two, and the row's JSON and index are not even built.
      const last = this.written.get(sess);
      if (
        last?.sid === sid &&
        last.content === content &&
        Math.abs(expiresAt - last.expiresAt) < this.touchAfterMs
      ) {
        return;
      }
      const data = serialize(sess);
      const index = this.indexOf(sess);
      if (wasStored(sess, this.written)) await this.table.update(sid, data, expiresAt, index);
      else await this.table.write(sid, data, expiresAt, index);
      this.written.set(sess, { sid, expiresAt, content });
    });
  }

  newSessionRow(sid: string, sess: SessionData): { row: SessionRow; stored: () => void } {
    const index = this.indexOf(sess);
    if (!index) throw new Error('newSessionRow: the session is not signed in');
    const [expiresAt, content] = [this.expiryOf(sess), contentOf(sess)];
    return {
      row: { sid, sess: serialize(sess), expiresAt, index },
      stored: () => this.written.set(sess, { sid, expiresAt, content }),
    };
  }

  /** express-session calls this for every request whose session did not change. */
  override touch(sid: string, sess: SessionData, cb?: Callback): void {
    this.run(cb, async () => {
      const expiresAt = this.expiryOf(sess);
      const stored = (sess as unknown as Record<string, unknown>)[STORED_EXPIRY];
      if (typeof stored === 'number' && expiresAt - stored < this.touchAfterMs) return;
      // Last seen rides on this throttled write: a page view never costs a write of its own.
      await this.table.extend(sid, expiresAt, this.now());
    });
  }

  /**
   * Ends a session (sign-out, revocation). When the database refuses the delete (read-only,
   * full, down), the session still ends: a sign-out must not leave a cookie that works again
   * once the database is back. The sid is kept in memory, never loaded again by this process,
   * and its delete retried every `retryRemovalMs` and at close() until it lands. What this
   * cannot cover is said where it is: another instance, or this one after a crash, still finds
   * the row until a retry deletes it — but while the database refuses writes no request can
   * extend the row's expiry (touches fail too), so even then the session ends at its idle
   * timeout at the latest, unless it is used after the database is back and before any retry.
   */
  override destroy(sid: string, cb?: Callback): void {
    this.run(cb, async () => {
      try {
        await this.table.remove(sid);
        this.unremoved.delete(sid);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        this.unremoved.add(sid);
        this.scheduleRemovalRetry();
      }
    });
  }

  /** Tries the deletes the database refused again; resolves with how many are still pending. */
  async retryRemovals(): Promise<number> {
    for (const sid of [...this.unremoved]) {
      try {
        await this.table.remove(sid);
        this.unremoved.delete(sid);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) this.onError(err);
      }
    }
    return this.unremoved.size;
  }

  private scheduleRemovalRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryRemovals().then(
        (pending) => {
          if (pending > 0) this.scheduleRemovalRetry();
        },
        (err: unknown) => this.onError(err),
      );
    }, this.retryRemovalMs);
    this.retryTimer.unref();
  }

  override length(cb: Callback<number>): void {
    this.run(cb, () => this.table.count(this.now()));
  }

  override clear(cb?: Callback): void {
    this.run(cb, () => this.table.clear());
  }

  destroyByUser(userId: number): Promise<number> {
    return this.table.removeByUser(userId);
  }

  async listByUser(userId: number): Promise<ListedSession[]> {
    const rows = await this.table.listByUser(userId, this.now());
    return rows.map(({ sess, ...row }) => ({ ...row, data: JSON.parse(sess) as SessionData }));
  }

  destroyByPublicId(userId: number, publicId: string): Promise<number> {
    return this.table.removeByPublicId(userId, publicId);
  }

  destroyOthers(userId: number, keepPublicId: string): Promise<number> {
    return this.table.removeOthers(userId, keepPublicId);
  }

  /** Deletes expired sessions (and, through onPrune, other expired rows) now; returns how many sessions. */
  async prune(): Promise<number> {
    const now = this.now();
    await this.onPrune?.(now);
    return this.table.prune(now);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** prune(), with a failure (a busy database) reported to onError instead of thrown. */
  pruneSafely(): void {
    this.prune().catch((err: unknown) => this.onError(err));
  }

  private indexOf(sess: SessionData): SessionIndex | undefined {
    if (sess.userId === undefined) return undefined;
    const now = this.now();
    return {
      userId: sess.userId,
      publicId: sess.meta?.publicId ?? null,
      createdAt: sess.signedInAt ?? now,
      lastSeenAt: now,
    };
  }

  private expiryOf(sess: SessionData): number {
    const expires = sess.cookie?.expires;
    if (expires) return new Date(expires).getTime();
    return this.now() + this.defaultTtlMs;
  }

  private run<T>(cb: Callback<T> | undefined, work: () => Promise<T>): void {
    const fail = (err: unknown) =>
      cb?.(isDatabaseUnavailable(err) ? new DatabaseUnavailableError(err) : err);
    let result: Promise<T>;
    try {
      result = work();
    } catch (err) {
      fail(err);
      return;
    }
    result.then((value) => cb?.(null, value), fail);
  }
}

/** The session store on the app's SQLite database. */
export class SqliteSessionStore extends TableSessionStore {
  constructor(db: SqliteDatabase, options: SessionStoreOptions = {}) {
    super(createSqliteSessionTable(db), options);
  }
}
