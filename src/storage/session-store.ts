import session from 'express-session';
import type { SessionData } from 'express-session';
import type { SqliteDatabase } from './database.js';

export interface SqliteSessionStoreOptions {
  /** Lifetime of a session whose cookie carries no expiry (ms). */
  defaultTtlMs?: number;
  /** How often expired rows are deleted (ms); 0 turns the timer off. */
  pruneIntervalMs?: number;
  now?: () => number;
  /** Extra work for the pruning timer (e.g. the used-state ledger). */
  onPrune?: (nowMs: number) => void;
  /** Where a failed background prune is reported (a busy database; the next tick retries). */
  onError?: (err: unknown) => void;
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * express-session store on the app's SQLite database. Reads ignore expired rows, so expiry
 * holds even between prunes; the prune timer is unref'd so it never keeps the process alive.
 */
/** The sessions of one user, for ending them all (account deletion). */
export interface UserSessions {
  /** Deletes every session signed in as this user; returns how many. */
  destroyByUser(userId: number): Promise<number>;
}

export class SqliteSessionStore extends session.Store implements UserSessions {
  private readonly now: () => number;
  private readonly defaultTtlMs: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onPrune: ((nowMs: number) => void) | undefined;
  private readonly onError: (err: unknown) => void;
  private readonly stmts;

  constructor(db: SqliteDatabase, options: SqliteSessionStoreOptions = {}) {
    super();
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = options.defaultTtlMs ?? 24 * 60 * 60 * 1000;
    this.onPrune = options.onPrune;
    this.onError = options.onError ?? (() => {});
    this.stmts = {
      get: db.prepare<[string, number], { sess: string }>(
        'SELECT sess FROM sessions WHERE sid = ? AND expires_at > ?',
      ),
      set: db.prepare(
        `INSERT INTO sessions (sid, sess, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires_at = excluded.expires_at`,
      ),
      touch: db.prepare('UPDATE sessions SET expires_at = ? WHERE sid = ?'),
      destroy: db.prepare('DELETE FROM sessions WHERE sid = ?'),
      prune: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
      count: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM sessions WHERE expires_at > ?',
      ),
      clear: db.prepare('DELETE FROM sessions'),
      byUser: db.prepare("DELETE FROM sessions WHERE json_extract(sess, '$.userId') = ?"),
    };
    const interval = options.pruneIntervalMs ?? 10 * 60 * 1000;
    if (interval > 0) {
      this.timer = setInterval(() => this.pruneSafely(), interval);
      this.timer.unref();
    }
  }

  override get(sid: string, cb: Callback<SessionData | null>): void {
    this.run(cb, () => {
      const row = this.stmts.get.get(sid, this.now());
      return row ? (JSON.parse(row.sess) as SessionData) : null;
    });
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    this.run(cb, () => {
      this.stmts.set.run(sid, JSON.stringify(sess), this.expiryOf(sess));
    });
  }

  override touch(sid: string, sess: SessionData, cb?: Callback): void {
    this.run(cb, () => {
      this.stmts.touch.run(this.expiryOf(sess), sid);
    });
  }

  override destroy(sid: string, cb?: Callback): void {
    this.run(cb, () => {
      this.stmts.destroy.run(sid);
    });
  }

  override length(cb: Callback<number>): void {
    this.run(cb, () => this.stmts.count.get(this.now())?.n ?? 0);
  }

  override clear(cb?: Callback): void {
    this.run(cb, () => {
      this.stmts.clear.run();
    });
  }

  async destroyByUser(userId: number): Promise<number> {
    return this.stmts.byUser.run(userId).changes;
  }

  /** Deletes expired sessions now; returns how many. */
  prune(): number {
    const now = this.now();
    this.onPrune?.(now);
    return this.stmts.prune.run(now).changes;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private pruneSafely(): void {
    try {
      this.prune();
    } catch (err) {
      this.onError(err);
    }
  }

  private expiryOf(sess: SessionData): number {
    const expires = sess.cookie?.expires;
    if (expires) return new Date(expires).getTime();
    return this.now() + this.defaultTtlMs;
  }

  private run<T>(cb: Callback<T> | undefined, work: () => T): void {
    let value: T;
    try {
      value = work();
    } catch (err) {
      if (cb) cb(err);
      return;
    }
    if (cb) cb(null, value);
  }
}
