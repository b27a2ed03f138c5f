import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../src/storage/database.js';
import { SqliteSessionStore } from '../src/storage/session-store.js';
import { createSqliteStateLedger } from '../src/storage/state-ledger.js';
import { createSqliteUserStore } from '../src/storage/user-store.js';

let dir: string;
let db: SqliteDatabase;
let now = 1_700_000_000_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gconnect-storage-'));
  db = openDatabase(join(dir, 'nested', 'app.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const profile = {
  sub: '1234',
  email: 'a@example.com',
  emailVerified: true,
  name: 'A',
  picture: null,
};

describe('openDatabase', () => {
  it('when opened, then the folder is created, WAL is on and the schema is at the latest version', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'used_states']));
  });

  it('when opened twice, then migrations are not applied again', () => {
    db.close();
    db = openDatabase(join(dir, 'nested', 'app.db'));
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
  });
});

describe('UserStore', () => {
  it('when the same sub signs in again with a new email, then the row is updated, not duplicated', async () => {
    const users = createSqliteUserStore(db);
    const first = await users.upsertFromGoogle(profile, new Date(now));
    const second = await users.upsertFromGoogle(
      { ...profile, email: 'new@example.com' },
      new Date(now + 1000),
    );
    expect(second.id).toBe(first.id);
    expect(second.email).toBe('new@example.com');
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.lastLoginAt).not.toBe(first.lastLoginAt);
    expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(1);
  });

  it('when two accounts share an email, then they are two users (sub is the identity)', async () => {
    const users = createSqliteUserStore(db);
    const a = await users.upsertFromGoogle(profile, new Date(now));
    const b = await users.upsertFromGoogle({ ...profile, sub: '5678' }, new Date(now));
    expect(a.id).not.toBe(b.id);
  });
});

describe('SqliteSessionStore', () => {
  const call = <T>(fn: (cb: (err?: unknown, v?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) =>
      fn((err, v) => (err ? reject(new Error('store call failed', { cause: err })) : resolve(v))),
    );
  const sess = (expiresAt: number) =>
    ({ cookie: { expires: new Date(expiresAt) }, userId: 1 }) as unknown as SessionData;

  it('when a session expires, then it is not returned and prune deletes it', async () => {
    const store = new SqliteSessionStore(db, { now: () => now, pruneIntervalMs: 0 });
    await call((cb) => store.set('live', sess(now + 60_000), cb));
    await call((cb) => store.set('dead', sess(now + 1_000), cb));
    now += 2_000;
    expect(await call((cb) => store.get('dead', cb))).toBeNull();
    expect(await call<SessionData | null>((cb) => store.get('live', cb))).toMatchObject({
      userId: 1,
    });
    expect(store.prune()).toBe(1);
    expect(db.prepare('SELECT sid FROM sessions').pluck().all()).toEqual(['live']);
    store.close();
  });

  it('when touched, then the expiry moves; when destroyed, then the row is gone', async () => {
    const store = new SqliteSessionStore(db, { now: () => now, pruneIntervalMs: 0 });
    await call((cb) => store.set('s', sess(now + 1_000), cb));
    await call((cb) => store.touch('s', sess(now + 100_000), cb));
    now += 50_000;
    expect(await call((cb) => store.get('s', cb))).not.toBeNull();
    await call((cb) => store.destroy('s', cb));
    expect(await call((cb) => store.get('s', cb))).toBeNull();
    store.close();
  });

  it('when the database fails, then the callback gets the error instead of a throw', async () => {
    const store = new SqliteSessionStore(db, { now: () => now, pruneIntervalMs: 0 });
    db.close();
    await expect(call((cb) => store.get('s', cb))).rejects.toThrow();
    db = openDatabase(join(dir, 'nested', 'app.db'));
    store.close();
  });
});

describe('StateLedger', () => {
  it('when a state is claimed twice, then only the first claim wins; pruning forgets expired ones', async () => {
    const ledger = createSqliteStateLedger(db);
    expect(await ledger.claim('s1', now + 1000)).toBe(true);
    expect(await ledger.claim('s1', now + 1000)).toBe(false);
    await ledger.prune(now + 2000);
    expect(db.prepare('SELECT count(*) FROM used_states').pluck().get()).toBe(0);
  });
});
