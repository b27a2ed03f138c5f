import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { SQLITE_SCHEMA_VERSION } from '../../src/storage/sqlite/migrations.js';
import { SqliteSessionStore } from '../../src/http/session/table-session-store.js';

const CHILD = fileURLToPath(new URL('../support/open-database-child.ts', import.meta.url));

let dir: string;
let db: SqliteDatabase;
const now = 1_700_000_000_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gconnect-storage-'));
  db = openDatabase(join(dir, 'nested', 'app.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('when opened, then the folder is created, WAL is on and the schema is at the latest version', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'used_states']));
  });

  it('when opened twice, then migrations are not applied again: version, schema and rows stay as they were', () => {
    db.prepare(
      "INSERT INTO users (google_sub, created_at, updated_at, last_login_at) VALUES ('sub-1', 't', 't', 't')",
    ).run();
    const schema = () =>
      db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    const before = schema();
    db.close();
    db = openDatabase(join(dir, 'nested', 'app.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(schema()).toEqual(before);
    expect(db.prepare('SELECT google_sub FROM users').pluck().all()).toEqual(['sub-1']);
  });
});

describe('two processes starting together', () => {
  it('when processes open one fresh file while another connection holds the write lock, then all come up migrated', async () => {
    const path = join(dir, 'fresh', 'app.db');
    mkdirSync(dirname(path));
    const holder = new Database(path);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    // Each child reads the schema version while the lock is held, then waits for the lock.
    const children = Array.from({ length: 3 }, () =>
      spawn(process.execPath, ['--import', 'tsx', CHILD, path], { stdio: 'pipe' }),
    );
    await Promise.all(children.map((child) => once(child.stdout, 'data')));
    holder.exec('COMMIT');
    holder.close();
    const exits = await Promise.all(
      children.map(async (child) => {
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const [code] = (await once(child, 'exit')) as [number];
        return { code, stderr };
      }),
    );
    expect(exits).toEqual(Array(3).fill({ code: 0, stderr: '' }));
    const check = openDatabase(path);
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    check.close();
  });
});

describe('SqliteSessionStore', () => {
  const call = <T>(fn: (cb: (err?: unknown, v?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) =>
      fn((err, v) => (err ? reject(new Error('store call failed', { cause: err })) : resolve(v))),
    );
  it('when the database fails, then the callback gets the error instead of a throw', async () => {
    const store = new SqliteSessionStore(db, { now: () => now, pruneIntervalMs: 0 });
    db.close();
    await expect(call((cb) => store.get('s', cb))).rejects.toThrow();
    db = openDatabase(join(dir, 'nested', 'app.db'));
    store.close();
  });
});
