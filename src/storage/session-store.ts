import session from 'express-session';
import type { SessionData } from 'express-session';
import type { SqliteDatabase } from './database.js';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable.js';
import { settle } from '../settle.js';

/**
 * The rows behind the session store, one implementation per engine (SQLite here, PostgreSQL in
 * pg/session-table.ts). `sess` is the session as JSON; `expiresAt` is in ms since the epoch.
 */
export interface SessionTable {
  /** The live session (expired rows are never returned, so expiry holds between prunes). */
  read(sid: string, nowMs: number): Promise<{ sess: string; expiresAt: number } | undefined>;
  write(sid: string, sess: string, expiresAt: number): Promise<void>;
  /** Moves only the expiry; the data is unchanged. */
  extend(sid: string, expiresAt: number): Promise<void>;
  remove(sid: string): Promise<void>;
  /** Deletes every expired row in one statement (safe when several instances run it at once). */
  prune(nowMs: number): Promise<number>;
  count(nowMs: number): Promise<number>;
  clear(): Promise<void>;
  /** Deletes every session signed in as this user (account deletion); returns how many. */
  removeByUser(userId: number): Promise<number>;
}

/** The sessions of one user, for ending them all (account deletion). */
export interface UserSessions {
  /** Deletes every session signed in as this user; returns how many. */
  destroyByUser(userId: number): Promise<number>;
}

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
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * The stored expiry, handed to express-session with the data so that touch() can tell whether
 * the row needs a write. Part of the data when loaded, so it never marks the session modified.
 */
const STORED_EXPIRY = '_storedExpiresAt';

/**
 * express-session store over a SessionTable. The prune timer is unref'd so it never keeps the
 * process alive.
 */
export class TableSessionStore extends session.Store implements UserSessions {
  private readonly table: SessionTable;
  private readonly now: () => number;
  private readonly defaultTtlMs: number;
  private readonly touchAfterMs: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onPrune: ((nowMs: number) => Promise<void>) | undefined;
  private readonly onError: (err: unknown) => void;

  constructor(table: SessionTable, options: SessionStoreOptions = {}) {
    super();
    this.table = table;
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = options.defaultTtlMs ?? 24 * 60 * 60 * 1000;
    this.touchAfterMs = options.touchAfterMs ?? 5 * 60 * 1000;
    this.onPrune = options.onPrune;
    this.onError = options.onError ?? (() => {});
    const interval = options.pruneIntervalMs ?? 10 * 60 * 1000;
    if (interval > 0) {
      this.timer = setInterval(() => this.pruneSafely(), interval);
      this.timer.unref();
    }
  }

  override get(sid: string, cb: Callback<SessionData | null>): void {
    this.run(cb, async () => {
      const row = await this.table.read(sid, this.now());
      if (!row) return null;
      return { ...(JSON.parse(row.sess) as SessionData), [STORED_EXPIRY]: row.expiresAt };
    });
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    this.run(cb, () =>
      this.table.write(
        sid,
        JSON.stringify({ ...sess, [STORED_EXPIRY]: undefined }),
        this.expiryOf(sess),
      ),
    );
  }

  /** express-session calls this for every request whose session did not change. */
  override touch(sid: string, sess: SessionData, cb?: Callback): void {
    this.run(cb, async () => {
      const expiresAt = this.expiryOf(sess);
      const stored = (sess as unknown as Record<string, unknown>)[STORED_EXPIRY];
      if (typeof stored === 'number' && expiresAt - stored < this.touchAfterMs) return;
      await this.table.extend(sid, expiresAt);
    });
  }

  override destroy(sid: string, cb?: Callback): void {
    this.run(cb, () => this.table.remove(sid));
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

  /** Deletes expired sessions (and, through onPrune, other expired rows) now; returns how many sessions. */
  async prune(): Promise<number> {
    const now = this.now();
    await this.onPrune?.(now);
    return this.table.prune(now);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** prune(), with a failure (a busy database) reported to onError instead of thrown. */
  pruneSafely(): void {
    this.prune().catch((err: unknown) => this.onError(err));
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

export function createSqliteSessionTable(db: SqliteDatabase): SessionTable {
  const stmts = {
    read: db.prepare<[string, number], { sess: string; expires_at: number }>(
      'SELECT sess, expires_at FROM sessions WHERE sid = ? AND expires_at > ?',
    ),
    write: db.prepare(
      `INSERT INTO sessions (sid, sess, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires_at = excluded.expires_at`,
    ),
    extend: db.prepare('UPDATE sessions SET expires_at = ? WHERE sid = ?'),
    remove: db.prepare('DELETE FROM sessions WHERE sid = ?'),
    prune: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    count: db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM sessions WHERE expires_at > ?',
    ),
    clear: db.prepare('DELETE FROM sessions'),
    removeByUser: db.prepare("DELETE FROM sessions WHERE json_extract(sess, '$.userId') = ?"),
  };
  return {
    read: (sid, nowMs) =>
      settle(() => {
        const row = stmts.read.get(sid, nowMs);
        return row && { sess: row.sess, expiresAt: row.expires_at };
      }),
    write: (sid, sess, expiresAt) =>
      settle(() => {
        stmts.write.run(sid, sess, expiresAt);
      }),
    extend: (sid, expiresAt) =>
      settle(() => {
        stmts.extend.run(expiresAt, sid);
      }),
    remove: (sid) =>
      settle(() => {
        stmts.remove.run(sid);
      }),
    prune: (nowMs) =>
      settle(() => {
        return stmts.prune.run(nowMs).changes;
      }),
    count: (nowMs) =>
      settle(() => {
        return stmts.count.get(nowMs)?.n ?? 0;
      }),
    clear: () =>
      settle(() => {
        stmts.clear.run();
      }),
    removeByUser: (userId) => settle(() => stmts.removeByUser.run(userId).changes),
  };
}

/** The session store on the app's SQLite database. */
export class SqliteSessionStore extends TableSessionStore {
  constructor(db: SqliteDatabase, options: SessionStoreOptions = {}) {
    super(createSqliteSessionTable(db), options);
  }
}
