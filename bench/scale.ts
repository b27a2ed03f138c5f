/**
 * Does a sign-in's database work stay flat as the tables grow? Fills a temporary database
 * (the app's own schema and pragmas) with `rows` users and `rows` signed-in sessions, then times
 * the two statements every sign-in and every signed-in request run: the user upsert and the
 * session lookup, through the app's own stores. SQLite here; PostgreSQL in scale-postgres.ts,
 * timed by the same measureScale.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SessionData } from 'express-session';
import { openDatabase, type SqliteDatabase } from '../src/storage/sqlite/database.js';
import {
  SqliteSessionStore,
  type TableSessionStore,
} from '../src/http/session/table-session-store.js';
import type { GoogleProfile, UserStore } from '../src/storage/user-store.js';
import { createSqliteUserStore } from '../src/storage/sqlite/user-store.js';

export interface ScaleCase {
  rows: number;
  fillSeconds: number;
  /** Median cost of one user upsert of an existing account, µs. */
  upsertMicros: number;
  /** Median cost of one session lookup by id (store get), µs. */
  sessionGetMicros: number;
}

export interface ScaleResult {
  small: ScaleCase;
  large: ScaleCase;
  upsertRatio: number;
  sessionGetRatio: number;
}

/** Batches alternate between the two databases, so machine noise hits both alike. */
const BATCHES = 15;
const BATCH_OPS = 2_000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The stores of one filled database, as the app uses them. */
export interface FilledStores {
  users: UserStore;
  sessions: TableSessionStore;
  /** The session ids stored, to look up at random. */
  sids: string[];
  rows: number;
  fillSeconds: number;
  close(): Promise<void>;
}

/** Fills a new database with `rows` users and sessions (users i = 0..rows-1: profileOf(i)). */
export type OpenFilled = (
  rows: number,
  now: number,
  onProgress: (text: string) => void,
) => Promise<FilledStores>;

/** Google's sub of user i (SQL twin in scale-postgres.ts). */
function subOf(i: number): string {
  return `2${String(i).padStart(20, '0')}`;
}

function profileOf(i: number): GoogleProfile {
  return {
    sub: subOf(i),
    email: `user-${i}@example.com`,
    emailVerified: true,
    name: `User ${i}`,
    picture: `https://lh3.googleusercontent.com/a/${subOf(i)}=s96-c`,
  };
}

/** A session as express-session stores a signed-in one (cookie, user, token, flash). */
function sessionJson(i: number, expires: number): string {
  const sess: SessionData = {
    cookie: {
      originalMaxAge: 7_200_000,
      expires: new Date(expires),
      secure: false,
      httpOnly: true,
      path: '/',
      sameSite: 'lax',
    },
    userId: i + 1,
    googleSub: subOf(i),
    signedInAt: expires - DAY_MS,
  };
  return JSON.stringify(sess);
}

/**
 * Bulk load in one transaction with prepared statements. Session ids are random, as
 * express-session's are, but inserted in key order so the load takes seconds, not minutes.
 */
function fill(db: SqliteDatabase, rows: number, now: number, onProgress: (done: number) => void) {
  const insertUser = db.prepare(
    `INSERT INTO users (google_sub, email, email_verified, name, picture, created_at, updated_at, last_login_at)
     VALUES (?, ?, 1, ?, ?, ?, ?, ?)`,
  );
  const insertSession = db.prepare('INSERT INTO sessions (sid, sess, expires_at) VALUES (?, ?, ?)');
  const sids = Array.from({ length: rows }, () => randomBytes(24).toString('base64url')).sort();
  const at = new Date(now).toISOString();
  const expires = now + DAY_MS;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const p = profileOf(i);
      insertUser.run(p.sub, p.email, p.name, p.picture, at, at, at);
      insertSession.run(sids[i], sessionJson(i, expires), expires);
      if (i % 50_000 === 0) onProgress(i);
    }
  })();
  return sids;
}

function pick(count: number, rows: number): number[] {
  return Array.from({ length: count }, () => Math.floor(Math.random() * rows));
}

async function timeUpserts(users: UserStore, picks: number[], now: Date): Promise<number> {
  const started = performance.now();
  for (const i of picks) await users.upsertFromGoogle(profileOf(i), now);
  return ((performance.now() - started) * 1000) / picks.length;
}

async function timeSessionGets(store: TableSessionStore, sids: string[]): Promise<number> {
  const get = (sid: string) =>
    new Promise<void>((resolve, reject) =>
      store.get(sid, (err, sess) =>
        err || !sess ? reject(new Error('no session', { cause: err })) : resolve(),
      ),
    );
  const started = performance.now();
  for (const sid of sids) await get(sid);
  return ((performance.now() - started) * 1000) / sids.length;
}

/** The SQLite case: a new database file in a temporary folder. */
export const openSqliteFilled: OpenFilled = (rows, now, onProgress) => {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-scale-'));
  const db = openDatabase(join(dir, 'scale.db'));
  // For experiments, e.g. BENCH_SQLITE_PRAGMAS='mmap_size=1073741824'.
  for (const p of (process.env.BENCH_SQLITE_PRAGMAS ?? '').split(';').filter(Boolean)) db.pragma(p);
  const filling = performance.now();
  const sids = fill(db, rows, now, (done) => onProgress(`filling ${done}/${rows} rows`));
  const sessions = new SqliteSessionStore(db, { pruneIntervalMs: 0 });
  return Promise.resolve({
    users: createSqliteUserStore(db),
    sessions,
    sids,
    rows,
    fillSeconds: (performance.now() - filling) / 1000,
    close() {
      sessions.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Times `small` and `large` in alternating batches of random existing rows. */
export async function measureScale(
  smallRows: number,
  largeRows: number,
  open: OpenFilled,
  onProgress: (text: string) => void,
): Promise<ScaleResult> {
  const now = Date.now();
  const at = new Date(now);
  const cases: FilledStores[] = [];
  try {
    for (const rows of [smallRows, largeRows]) cases.push(await open(rows, now, onProgress));
    const upserts: number[][] = [[], []];
    const gets: number[][] = [[], []];
    // The first batch of each warms the JIT and is not counted.
    for (let batch = 0; batch <= BATCHES; batch++) {
      onProgress(`timing upserts and session lookups, batch ${batch}/${BATCHES}`);
      for (const [i, c] of cases.entries()) {
        const u = await timeUpserts(c.users, pick(BATCH_OPS, c.rows), at);
        const g = await timeSessionGets(
          c.sessions,
          pick(BATCH_OPS, c.rows).map((n) => c.sids[n]!),
        );
        if (batch > 0) {
          upserts[i]!.push(u);
          gets[i]!.push(g);
        }
      }
    }
    const [small, large] = cases.map((c, i) => ({
      rows: c.rows,
      fillSeconds: c.fillSeconds,
      upsertMicros: median(upserts[i]!),
      sessionGetMicros: median(gets[i]!),
    })) as [ScaleCase, ScaleCase];
    return {
      small,
      large,
      upsertRatio: large.upsertMicros / small.upsertMicros,
      sessionGetRatio: large.sessionGetMicros / small.sessionGetMicros,
    };
  } finally {
    for (const c of cases) await c.close();
  }
}
