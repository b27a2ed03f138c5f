/**
 * The database failing under a sign-in: busy past the busy timeout, read-only, full, and the
 * session write failing after the user row. Each gives 503 "The database is unavailable; try
 * again." with no half state (no user row, nobody signed in) and a process that keeps serving
 * (DESIGN "Data"; ASVS 5.0 V16.5 on failing securely). A lock shorter than the busy timeout is
 * waited out.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SessionData } from 'express-session';
import supertest from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS } from '../../emulator/server/accounts.js';
import { TableSessionStore } from '../../src/http/session/table-session-store.js';
import { CLIENT } from '../support/client.js';
import { snapshot } from '../support/database.js';
import { expectHarnessHealthy, expectRefused } from '../support/expectations.js';
import { sqlitePathOf, type Agent, type Harness } from '../support/harness.js';
import { cookieFromJar, getState, signIn, signInOk } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';
import { waitFor } from '../support/wait.js';

const ALICE = 'alice@example.com';
const BIG = 'big.profile@example.com';
const UNAVAILABLE = 'The database is unavailable; try again.';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A session store that fails, like a locked database, when asked to store a signed-in session. */
class FailingSessionStore extends TableSessionStore {
  static failSignedIn = false;
  /** Every session write fails with this SQLite code (e.g. SQLITE_FULL: the disk is full). */
  static failWritesWith: string | undefined;
  override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    if (FailingSessionStore.failSignedIn && sess.userId !== undefined) {
      cb?.(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      return;
    }
    const code = FailingSessionStore.failWritesWith;
    if (code !== undefined) {
      setImmediate(() => cb?.(Object.assign(new Error('database or disk is full'), { code })));
      return;
    }
    super.set(sid, sess, cb);
  }
  /** A sign-in stores its new session in its own transaction, with the row built here. */
  override newSessionRow(sid: string, sess: SessionData) {
    if (FailingSessionStore.failSignedIn) {
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    }
    return super.newSessionRow(sid, sess);
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
  FailingSessionStore.failWritesWith = undefined;
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

describe('a 503 keeps the keep-alive connection', () => {
  /**
   * A popup sign-in with `account` over one keep-alive connection, then /healthz on it: the
   * statuses, the sign-in's Connection header, and how many connections the server saw.
   */
  async function signInThenReuse(account: string, breakDatabase: () => () => void) {
    const agent = h.client();
    const state = await getState(agent);
    const cookie = await cookieFromJar(agent);
    const code = h.emulator.issueCode({ account, clientId: CLIENT.clientId });
    const logged = h.logs.length;
    const gconnectFailures = () =>
      h.logs
        .slice(logged)
        .filter((l) => l.includes('"msg":"request failed"') && l.includes('"path":"/gconnect"'))
        .length;
    const repair = breakDatabase();
    let connections = 0;
    let closed = 0;
    const count = (socket: Socket) => {
      connections += 1;
      socket.once('close', () => (closed += 1));
    };
    h.server.server.on('connection', count);
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const signIn = await send(keepAlive, 'POST', `/gconnect?state=${state}`, code, {
        'Content-Type': 'text/plain',
        Cookie: cookie,
      });
      // The session write that fails as the 503 ends comes after it: logged, then the reuse.
      // (Express's own final handler instead closes the connection.)
      await waitFor(
        () => gconnectFailures() === 2 || closed > 0,
        'the session write failing after the 503',
      );
      repair();
      const next = await send(keepAlive, 'GET', '/healthz');
      return { signIn, next: next.status, connections };
    } finally {
      repair();
      h.server.server.off('connection', count);
      keepAlive.destroy();
    }
  }

  it('when the database is read-only, then 503 and the same connection serves the next request', async () => {
    const result = await signInThenReuse(ALICE, () => {
      h.appDb.pragma('query_only = ON');
      return () => h.appDb.pragma('query_only = OFF');
    });
    expect(result).toEqual({
      signIn: { status: 503, connection: 'keep-alive', body: JSON.stringify(UNAVAILABLE) },
      next: 200,
      connections: 1,
    });
  });

  it('when the disk is full, then 503 and the same connection serves the next request', async () => {
    // The user row needs pages the database cannot grow; the session's write fails as SQLite's
    // does on a full disk.
    const result = await signInThenReuse(BIG, () => {
      const pages = h.appDb.pragma('page_count', { simple: true }) as number;
      h.appDb.pragma(`max_page_count = ${pages}`);
      FailingSessionStore.failWritesWith = 'SQLITE_FULL';
      return () => {
        FailingSessionStore.failWritesWith = undefined;
        h.appDb.pragma('max_page_count = 1073741823');
      };
    });
    expect(result).toEqual({
      signIn: { status: 503, connection: 'keep-alive', body: JSON.stringify(UNAVAILABLE) },
      next: 200,
      connections: 1,
    });
  });
});

/** A request over `agent`: its status, Connection header and body. */
async function send(
  agent: http.Agent,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; connection: string | undefined; body: string }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .request(`${h.url}${path}`, { agent, method, headers }, resolve)
      .on('error', reject)
      .end(body);
  });
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode ?? 0, connection: res.headers.connection, body: text };
}

describe('signing out while the database refuses writes', () => {
  it('when the database is read-only at /logout, then the cookie is cleared, the old cookie is signed out, and its row goes once the database is back', async () => {
    const browser = h.client();
    await signInOk(h, browser, ALICE);
    const oldCookie = await cookieFromJar(browser);
    const stolen = h.client().set('Cookie', oldCookie);
    await stolen.get('/me').expect(200);
    const rowsBefore = h.sessionCount();

    h.appDb.pragma('query_only = ON');
    let res: supertest.Response;
    try {
      res = await browser.post('/logout').set('Accept', 'text/html').type('form').send('');
      // Refused writes or not, the old cookie no longer signs anybody in.
      await stolen.get('/me').expect(401);
    } finally {
      h.appDb.pragma('query_only = OFF');
    }
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/^sid=;.*Expires=Thu, 01 Jan 1970/);
    await browser.get('/me').expect(401);
    // The database is back: the delete the read-only database refused is retried and lands.
    expect(h.sessionCount()).toBe(rowsBefore);
    expect(await h.sessionStore.retryRemovals()).toBe(0);
    expect(h.sessionCount()).toBe(rowsBefore - 1);
    await stolen.get('/me').expect(401);
  });
});
