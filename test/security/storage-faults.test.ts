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
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS } from '../../emulator/server/accounts.js';
import { TableSessionStore } from '../../src/storage/session-store.js';
import { CLIENT } from '../support/client.js';
import { snapshot } from '../support/database.js';
import { expectHarnessHealthy, expectRefused } from '../support/expectations.js';
import { sqlitePathOf, type Agent, type Harness } from '../support/harness.js';
import { getState, signIn } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';
import { waitFor } from '../support/wait.js';

const ALICE = 'alice@example.com';
const BIG = 'big.profile@example.com';
const UNAVAILABLE = 'The database is unavailable; try again.';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A session store that fails, like a locked database, when asked to store a signed-in session. */
class FailingSessionStore extends TableSessionStore {
  static failSignedIn = false;
  override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    if (FailingSessionStore.failSignedIn && sess.userId !== undefined) {
      cb?.(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      return;
    }
    super.set(sid, sess, cb);
  }
}

let h: Harness;
let db: Database.Database;
let lock: Database.Database;

useHarness(
  {
    env: { DATABASE_BUSY_TIMEOUT_MS: '200' },
    SessionStore: FailingSessionStore,
    emulatorOptions: {
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
    },
  },
  (s) => {
    h = s.h;
    db = s.db;
    lock = new Database(sqlitePathOf(h.config));
  },
);
afterAll(() => lock.close());
afterEach(async () => {
  if (lock.inTransaction) lock.exec('ROLLBACK');
  FailingSessionStore.failSignedIn = false;
  h.appDb.pragma('query_only = OFF');
  // The process is alive and serving.
  await expectHarnessHealthy(h);
});

async function expectUnavailable(agent: Agent, res: supertest.Response, before = snapshot(db)) {
  await expectRefused(res, { status: 503, message: UNAVAILABLE }, agent, db, before);
}

describe('SQLite busy', () => {
  it('when another connection holds the write lock past the busy timeout at the state check, then 503 before any Google call', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const before = snapshot(db);
    lock.exec('BEGIN IMMEDIATE');
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }));
    lock.exec('ROLLBACK');
    await expectUnavailable(agent, res, before);
    expect(h.emulator.calls()).toHaveLength(0);
  });

  it('when the lock is taken while Google is being asked, then the user row fails, 503, and the session is not signed in', async () => {
    h.emulator.inject('userinfo', { kind: 'hang', ms: 300 });
    const agent = h.client();
    const state = await getState(agent);
    const before = snapshot(db);
    const pending = agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }))
      .then((r) => r);
    await waitFor(() => h.emulator.calls('userinfo').length > 0, 'the userinfo call');
    lock.exec('BEGIN IMMEDIATE');
    const res = await pending;
    lock.exec('ROLLBACK');
    await expectUnavailable(agent, res, before);
    expect(h.emulator.calls('token')).toHaveLength(1);
  });

  it('when another process holds the lock for less than the busy timeout, then the sign-in waits and succeeds', async () => {
    h.appDb.pragma('busy_timeout = 5000');
    try {
      const agent = h.client();
      const state = await getState(agent);
      // Another process, so the lock is released while this one's SQLite call is waiting.
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const db = new (require('better-sqlite3'))(${JSON.stringify(sqlitePathOf(h.config))});
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
        .send(h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }));
      expect(res.status, res.text).toBe(200);
      await agent.get('/me').expect(200);
      await exited;
    } finally {
      h.appDb.pragma('busy_timeout = 200');
    }
  });
});

describe('SQLite read-only or full', () => {
  it('when the database turns read-only, then 503 and nothing is written', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const before = snapshot(db);
    h.appDb.pragma('query_only = ON');
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send(h.emulator.issueCode({ account: BIG, clientId: CLIENT.clientId }));
    h.appDb.pragma('query_only = OFF');
    await expectUnavailable(agent, res, before);
  });

  it('when the database is full, then 503 and nothing is written', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const before = snapshot(db);
    const pages = h.appDb.pragma('page_count', { simple: true }) as number;
    h.appDb.pragma(`max_page_count = ${pages}`);
    let res: supertest.Response;
    try {
      res = await agent
        .post(`/gconnect?state=${state}`)
        .type('text/plain')
        .send(h.emulator.issueCode({ account: BIG, clientId: CLIENT.clientId }));
    } finally {
      h.appDb.pragma('max_page_count = 1073741823');
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
    const agent = h.client();
    const res = await signIn(h, agent, ALICE);
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
    const agent = h.client();
    const res = await signIn(h, agent, ALICE);
    expect(res.status, res.text).toBe(200);
    await agent.get('/me').expect(200);
  });
});
