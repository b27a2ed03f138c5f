import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settle } from '../../src/core/settle.js';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteSessionStore } from '../../src/http/session/table-session-store.js';
import { createSqliteStateLedger } from '../../src/storage/sqlite/state-ledger.js';
import { createSqliteUserStore } from '../../src/storage/sqlite/user-store.js';

const T0 = 1_700_000_000_000;
let dir: string;
let db: SqliteDatabase;
let now: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gconnect-stores-'));
  db = openDatabase(join(dir, 'app.db'));
  now = T0;
});
afterEach(() => {
  vi.useRealTimers();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store's callback API as a promise. */
function call<T>(fn: (cb: (err?: unknown, v?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) =>
    fn((err, v) => (err instanceof Error ? reject(err) : resolve(v))),
  );
}

function sess(extra: Record<string, unknown> = {}): SessionData {
  return { cookie: {}, userId: 7, ...extra } as unknown as SessionData;
}

function storeAt(options: ConstructorParameters<typeof SqliteSessionStore>[1] = {}) {
  return new SqliteSessionStore(db, { now: () => now, pruneIntervalMs: 0, ...options });
}

describe('openDatabase settings', () => {
  it('when opened, then writes are NORMAL-synced, foreign keys are on and writers wait 5 s for a lock', () => {
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('when a busy timeout is given, then writers wait that long (whole milliseconds)', () => {
    const other = openDatabase(join(dir, 'other.db'), { busyTimeoutMs: 1234.9 });
    expect(other.pragma('busy_timeout', { simple: true })).toBe(1234);
    other.close();
  });

  /** Permission bits of a file or folder, as `ls -l` counts them. */
  const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
  const filesOf = (path: string) => [path, `${path}-wal`, `${path}-shm`];

  it('when it creates the data folder and the database, then the folder is 0700 and the file, -wal and -shm are 0600', () => {
    const path = join(dir, 'data', 'app.db');
    const fresh = openDatabase(path);
    try {
      fresh.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      expect(modeOf(join(dir, 'data'))).toBe('700');
      expect(filesOf(path).map(modeOf)).toEqual(['600', '600', '600']);
    } finally {
      fresh.close();
    }
  });

  it('when the database, -wal and -shm were left readable to others (0644), then opening makes them 0600', () => {
    const path = join(dir, 'old.db');
    // An older version's files, still open (so -wal and -shm exist), readable by everyone.
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    for (const file of filesOf(path)) chmodSync(file, 0o644);
    const reopened = openDatabase(path);
    try {
      expect(filesOf(path).map(modeOf)).toEqual(['600', '600', '600']);
    } finally {
      reopened.close();
      old.close();
    }
  });

  it('when the path is :memory:, then no folder is made and the schema is there', () => {
    const memory = openDatabase(':memory:');
    expect(memory.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0);
    memory.close();
  });
});

describe('SqliteSessionStore expiry', () => {
  it('when the cookie has an expiry, then the session lives until just before that instant', async () => {
    const store = storeAt();
    await call((cb) => store.set('s', sess({ cookie: { expires: new Date(T0 + 1000) } }), cb));
    now = T0 + 999;
    expect(await call((cb) => store.get('s', cb))).toMatchObject({ userId: 7 });
    now = T0 + 1000;
    expect(await call((cb) => store.get('s', cb))).toBeNull();
  });

  it('when the cookie has no expiry, then the session lives the default time (one day unless set)', async () => {
    const store = storeAt();
    await call((cb) => store.set('day', sess(), cb));
    now = T0 + 24 * 60 * 60 * 1000 - 1;
    expect(await call((cb) => store.get('day', cb))).not.toBeNull();
    now += 1;
    expect(await call((cb) => store.get('day', cb))).toBeNull();

    now = T0;
    const short = storeAt({ defaultTtlMs: 5000 });
    await call((cb) => short.set('short', sess(), cb));
    expect(db.prepare("SELECT expires_at FROM sessions WHERE sid = 'short'").pluck().get()).toBe(
      T0 + 5000,
    );
  });

  it('when touched, then the row takes the new cookie expiry', async () => {
    const store = storeAt();
    await call((cb) => store.set('s', sess({ cookie: { expires: new Date(T0 + 1000) } }), cb));
    await call((cb) => store.touch('s', sess({ cookie: { expires: new Date(T0 + 9000) } }), cb));
    expect(db.prepare("SELECT expires_at FROM sessions WHERE sid = 's'").pluck().get()).toBe(
      T0 + 9000,
    );
  });

  it('when counted, then only live sessions count; when cleared, then none are left', async () => {
    const store = storeAt();
    await call((cb) => store.set('live', sess({ cookie: { expires: new Date(T0 + 5000) } }), cb));
    await call((cb) => store.set('dead', sess({ cookie: { expires: new Date(T0 + 10) } }), cb));
    now = T0 + 100;
    expect(await call<number>((cb) => store.length(cb))).toBe(1);
    await call((cb) => store.clear(cb));
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0);
    expect(await call<number>((cb) => store.length(cb))).toBe(0);
  });

  it('when pruned, then the extra prune work is told the same instant', async () => {
    const seen: number[] = [];
    const store = storeAt({
      onPrune: (at) =>
        settle(() => {
          seen.push(at);
        }),
    });
    await store.prune();
    expect(seen).toEqual([T0]);
  });

  it('when written without a callback, then the row is written and nothing is thrown', () => {
    const store = storeAt();
    expect(() => store.set('s', sess())).not.toThrow();
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(1);
  });

  it('when written without a callback and the database fails, then nothing is thrown', () => {
    const store = storeAt();
    db.close();
    expect(() => store.set('s', sess())).not.toThrow();
    expect(() => store.destroy('s')).not.toThrow();
    db = openDatabase(join(dir, 'app.db'));
  });
});

describe('SqliteSessionStore background prune', () => {
  it('when the interval passes, then expired rows are deleted, and a failure is reported, not thrown', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const errors: unknown[] = [];
    let failNext = false;
    const store = storeAt({
      pruneIntervalMs: 1000,
      onPrune: () =>
        settle(() => {
          if (failNext) throw new Error('database is locked');
        }),
      onError: (err) => errors.push(err),
    });
    await call((cb) => store.set('old', sess({ cookie: { expires: new Date(T0 + 10) } }), cb));
    now = T0 + 500;
    await vi.advanceTimersByTimeAsync(999);
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() =>
      expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0),
    );

    failNext = true;
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(errors).toEqual([new Error('database is locked')]));

    store.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(errors).toHaveLength(1);
  });

  it('when the interval is 0, then no background prune runs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = storeAt({ pruneIntervalMs: 0 });
    await call((cb) => store.set('old', sess({ cookie: { expires: new Date(T0 + 10) } }), cb));
    now = T0 + 500;
    vi.advanceTimersByTime(60 * 60 * 1000);
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(1);
    store.close();
  });

  it('when the interval is the default, then the first prune comes after ten minutes', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const seen: number[] = [];
    const store = new SqliteSessionStore(db, {
      now: () => now,
      onPrune: (at) =>
        settle(() => {
          seen.push(at);
        }),
    });
    vi.advanceTimersByTime(10 * 60 * 1000 - 1);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([T0]);
    store.close();
  });
});

describe('SqliteUserStore fields', () => {
  it('when a profile is stored, then every field reads back, and the verified flag both ways', async () => {
    const users = createSqliteUserStore(db);
    const at = new Date(T0);
    const stored = await users.upsertFromGoogle(
      {
        sub: 's1',
        email: 'a@example.com',
        emailVerified: true,
        name: 'A',
        picture: 'https://pic.example/a.png',
      },
      at,
    );
    const { id, ...fields } = stored;
    expect(id).toBeTypeOf('number');
    expect(fields).toEqual({
      googleSub: 's1',
      email: 'a@example.com',
      emailVerified: true,
      name: 'A',
      picture: 'https://pic.example/a.png',
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      lastLoginAt: at.toISOString(),
    });
    expect(await users.findById(stored.id)).toEqual(stored);
    const later = new Date(T0 + 60_000);
    const again = await users.upsertFromGoogle(
      { sub: 's1', email: null, emailVerified: false, name: null, picture: null },
      later,
    );
    expect(again).toMatchObject({ emailVerified: false, email: null, name: null, picture: null });
    expect(again.updatedAt).toBe(later.toISOString());
    expect(db.prepare('SELECT email_verified FROM users').pluck().get()).toBe(0);
  });

  it('when the id is unknown, then findById answers undefined', async () => {
    expect(await createSqliteUserStore(db).findById(999)).toBeUndefined();
  });

  it('when the database is closed, then ping rejects; when open, then it resolves', async () => {
    const users = createSqliteUserStore(db);
    await expect(users.ping()).resolves.toBeUndefined();
    db.close();
    await expect(users.ping()).rejects.toThrow();
    db = openDatabase(join(dir, 'app.db'));
  });
});

describe('SqliteStateLedger rows', () => {
  it('when a state is claimed, then only its SHA-256 (base64url) is stored, never the state itself', async () => {
    await createSqliteStateLedger(db).claim('the-state', T0 + 1000);
    const hash = createHash('sha256').update('the-state').digest('base64url');
    expect(db.prepare('SELECT state_hash, expires_at FROM used_states').all()).toEqual([
      { state_hash: hash, expires_at: T0 + 1000 },
    ]);
  });
});
