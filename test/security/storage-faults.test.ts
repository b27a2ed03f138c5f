/**
 * The database failing under a sign-in: busy past the busy timeout, read-only, full, and the
 * session write failing after the user row. Each gives 503 "The database is unavailable; try
 * again." with no half state (no user row, nobody signed in) and a process that keeps serving
 * (DESIGN "Data"; ASVS 5.0 V16.5 on failing securely). A lock shorter than the busy timeout is
 * waited out.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SessionData } from 'express-session';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { DEFAULT_ACCOUNTS } from '../../src/emulator/accounts.js';
import { SqliteSessionStore } from '../../src/storage/session-store.js';
import { CLIENT, getState } from '../helpers/harness.js';
import {
  attemptSignIn,
  buildApp,
  expectRefused,
  snapshot,
  type Agent,
  type BuiltApp,
} from './support.js';

const ALICE = 'alice@example.com';
const BIG = 'big.profile@example.com';
const UNAVAILABLE = 'The database is unavailable; try again.';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A session store that fails, like a locked database, when asked to store a signed-in session. */
class FailingSessionStore extends SqliteSessionStore {
  static failSignedIn = false;
  override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    if (FailingSessionStore.failSignedIn && sess.userId !== undefined) {
      cb?.(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      return;
    }
    super.set(sid, sess, cb);
  }
}

let emulator: Emulator;
let app: BuiltApp;
let db: Database.Database;
let lock: Database.Database;

beforeAll(async () => {
  emulator = await createEmulator({
    clients: [CLIENT],
    accounts: [
      ...DEFAULT_ACCOUNTS,
      {
        sub: '109999999999999999999',
        email: BIG,
        emailVerified: true,
        // A row that needs pages the full database does not have.
        name: 'B'.repeat(40_000),
        givenName: 'Big',
        familyName: 'Profile',
        picture: '/avatars/109999999999999999999.svg',
      },
    ],
  });
  app = await buildApp({ emulator, busyTimeoutMs: 200, SessionStore: FailingSessionStore });
  db = new Database(app.path, { readonly: true });
  lock = new Database(app.path);
});
afterAll(async () => {
  lock.close();
  db.close();
  await app.close();
  await emulator.close();
});
afterEach(async () => {
  if (lock.inTransaction) lock.exec('ROLLBACK');
  FailingSessionStore.failSignedIn = false;
  app.db.pragma('query_only = OFF');
  emulator.clearFaults();
  emulator.resetCalls();
  // The process is alive and serving.
  await supertest(app.url).get('/healthz').expect(200, { status: 'ok' });
});

async function expectUnavailable(agent: Agent, res: supertest.Response, before = snapshot(db)) {
  await expectRefused(res, { status: 503, message: UNAVAILABLE }, agent, db, before);
}

describe('SQLite busy', () => {
  it('when another connection holds the write lock past the busy timeout at the state check, then 503 before any Google call', async () => {
    const agent = app.client();
    const state = await getState(agent);
    const before = snapshot(db);
    lock.exec('BEGIN IMMEDIATE');
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }));
    lock.exec('ROLLBACK');
    await expectUnavailable(agent, res, before);
    expect(emulator.calls()).toHaveLength(0);
  });

  it('when the lock is taken while Google is being asked, then the user row fails, 503, and the session is not signed in', async () => {
    emulator.inject('userinfo', { kind: 'hang', ms: 300 });
    const agent = app.client();
    const state = await getState(agent);
    const before = snapshot(db);
    const pending = agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }))
      .then((r) => r);
    while (emulator.calls('userinfo').length === 0) await new Promise((r) => setTimeout(r, 5));
    lock.exec('BEGIN IMMEDIATE');
    const res = await pending;
    lock.exec('ROLLBACK');
    await expectUnavailable(agent, res, before);
    expect(emulator.calls('token')).toHaveLength(1);
  });

  it('when another process holds the lock for less than the busy timeout, then the sign-in waits and succeeds', async () => {
    app.db.pragma('busy_timeout = 5000');
    try {
      const agent = app.client();
      const state = await getState(agent);
      // Another process, so the lock is released while this one's SQLite call is waiting.
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const db = new (require('better-sqlite3'))(${JSON.stringify(app.path)});
           db.exec('BEGIN IMMEDIATE');
           process.stdout.write('locked\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
           db.exec('COMMIT');`,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = once(holder, 'exit');
      await once(holder.stdout, 'data');
      const res = await agent
        .post(`/gconnect?state=${state}`)
        .type('text/plain')
        .send(emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }));
      expect(res.status, res.text).toBe(200);
      await agent.get('/me').expect(200);
      await exited;
    } finally {
      app.db.pragma('busy_timeout = 200');
    }
  });
});

describe('SQLite read-only or full', () => {
  it('when the database turns read-only, then 503 and nothing is written', async () => {
    const agent = app.client();
    const state = await getState(agent);
    const before = snapshot(db);
    app.db.pragma('query_only = ON');
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(emulator.issueCode({ account: BIG, clientId: CLIENT.clientId }));
    app.db.pragma('query_only = OFF');
    await expectUnavailable(agent, res, before);
  });

  it('when the database is full, then 503 and nothing is written', async () => {
    const agent = app.client();
    const state = await getState(agent);
    const before = snapshot(db);
    const pages = app.db.pragma('page_count', { simple: true }) as number;
    app.db.pragma(`max_page_count = ${pages}`);
    let res: supertest.Response;
    try {
      res = await agent
        .post(`/gconnect?state=${state}`)
        .type('text/plain')
        .send(emulator.issueCode({ account: BIG, clientId: CLIENT.clientId }));
    } finally {
      app.db.pragma('max_page_count = 1073741823');
    }
    await expectUnavailable(agent, res, before);
    const big = db.prepare('SELECT count(*) AS n FROM users WHERE email = ?').get(BIG);
    expect(big).toEqual({ n: 0 });
  });
});

describe('the session is signed in only once everything is stored', () => {
  it('when storing the signed-in session fails after the user row, then 503, not a welcome, and nobody is signed in', async () => {
    FailingSessionStore.failSignedIn = true;
    const signedInBefore = snapshot(db).signedIn;
    const agent = app.client();
    const res = await attemptSignIn(emulator, agent, ALICE);
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 503,
      body: UNAVAILABLE,
    });
    expect(res.text).not.toContain('Welcome');
    FailingSessionStore.failSignedIn = false;
    await agent.get('/me').expect(401);
    expect(snapshot(db).signedIn).toBe(signedInBefore);
  });

  it('when the database recovers, then the same client signs in', async () => {
    const agent = app.client();
    const res = await attemptSignIn(emulator, agent, ALICE);
    expect(res.status, res.text).toBe(200);
    await agent.get('/me').expect(200);
  });
});
