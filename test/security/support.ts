import { randomBytes } from 'node:crypto';
import { createGoogleGrants } from '../../src/grants/google-grants.js';
import { createTokenCipher } from '../../src/grants/token-cipher.js';
import { createSqliteGrantStore } from '../../src/storage/grant-store.js';
/**
 * Shared checks of the conformance and security suites: what "refused" means (the status and
 * message, no user row, nobody signed in), and an app built from createApp directly when a test
 * needs what the environment cannot give (production with the emulator, the database handle).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import supertest from 'supertest';
import { expect } from 'vitest';
import { createApp, type AppConfig } from '../../src/app.js';
import type { Emulator } from '../../src/emulator/emulator.js';
import { googleEndpoints } from '../../src/google/endpoints.js';
import { createGoogleClient } from '../../src/google/google-client.js';
import { openDatabase, type SqliteDatabase } from '../../src/storage/database.js';
import { createSqliteFailedSignIns } from '../../src/storage/failed-sign-ins.js';
import { SqliteSessionStore } from '../../src/storage/session-store.js';
import { createSqliteStateLedger } from '../../src/storage/state-ledger.js';
import { createSqliteUserStore } from '../../src/storage/user-store.js';
import { CLIENT, getState, type Harness } from '../helpers/harness.js';

export type Agent = ReturnType<typeof supertest.agent>;

/** A read-only look at a database file, beside the app's own connection. */
export function openReader(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** Live sessions that are signed in (hold a user id). */
export function signedInSessions(db: Database.Database, nowMs = Date.now()): number {
  return (
    db
      .prepare(
        `SELECT count(*) AS n FROM sessions
         WHERE json_extract(sess, '$.userId') IS NOT NULL AND expires_at > ?`,
      )
      .get(nowMs) as { n: number }
  ).n;
}

export function userCount(db: Database.Database): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

/** The session id inside a signed `sid` cookie value (`s:<id>.<signature>`). */
export function sessionIdOf(setCookie: string): string {
  const value = decodeURIComponent(setCookie.split(';')[0]!.split('=').slice(1).join('='));
  return value.slice(2, value.lastIndexOf('.'));
}

export interface Snapshot {
  users: number;
  signedIn: number;
}

export function snapshot(db: Database.Database): Snapshot {
  return { users: userCount(db), signedIn: signedInSessions(db) };
}

/** A popup-flow sign-in attempt: a state for this client, then the code posted raw. */
export async function attemptSignIn(
  emulator: Emulator,
  agent: Agent,
  account: string,
): Promise<supertest.Response> {
  const state = await getState(agent);
  const code = emulator.issueCode({ account, clientId: CLIENT.clientId });
  return agent.post(`/gconnect?state=${state}`).type('application/octet-stream').send(code);
}

/**
 * A refusal as the suites require it: this status and JSON-string message, no new user row,
 * no new signed-in session, and this client anonymous.
 */
export async function expectRefused(
  res: supertest.Response,
  expected: { status: number; message: string },
  agent: Agent,
  db: Database.Database,
  before: Snapshot,
): Promise<void> {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: expected.status,
    body: expected.message,
  });
  expect(String(res.headers['content-type'])).toMatch(/application\/json/);
  expect(snapshot(db)).toEqual(before);
  await agent.get('/me').expect(401, { error: 'Not signed in.' });
}

export function expectHarnessHealthy(h: Harness) {
  return supertest(h.url).get('/healthz').expect(200, { status: 'ok' });
}

export interface BuiltApp {
  url: string;
  db: SqliteDatabase;
  sessionStore: SqliteSessionStore;
  path: string;
  logs: string[];
  client(): Agent;
  close(): Promise<void>;
}

export interface BuildOptions {
  emulator: Emulator;
  config?: Partial<AppConfig>;
  busyTimeoutMs?: number;
  timeoutMs?: number;
  now?: () => number;
  /** Another session store class on the same database (e.g. one that fails on demand). */
  SessionStore?: typeof SqliteSessionStore;
}

/**
 * The app wired as start.ts wires it, but with the handles tests need (the database, the session
 * store) and any AppConfig — e.g. production cookies against the emulator, which the real
 * configuration rightly refuses.
 */
export async function buildApp(options: BuildOptions): Promise<BuiltApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-sec-'));
  const path = join(dir, 'app.db');
  const now = options.now ?? Date.now;
  const db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
  const ledger = createSqliteStateLedger(db);
  const Store = options.SessionStore ?? SqliteSessionStore;
  const sessionStore = new Store(db, { now, pruneIntervalMs: 0 });
  const google = createGoogleClient({
    ...CLIENT,
    endpoints: googleEndpoints(options.emulator.url),
    timeoutMs: options.timeoutMs ?? 1500,
    now,
  });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, {
    write: (line: string) => void logs.push(line),
  } as unknown as pino.DestinationStream);
  const app = createApp({
    config: {
      production: false,
      sessionSecrets: ['security-suite-secret-0123456789abcdef'],
      session: { idleTimeoutMs: 120 * 60_000, absoluteTimeoutMs: 24 * 3_600_000 },
      trustProxy: undefined,
      emulator: true,
      rateLimitPerMinute: 0,
      allowedAccounts: { domains: [], emails: [] },
      ...options.config,
    },
    users: createSqliteUserStore(db),
    failedSignIns: createSqliteFailedSignIns(db),
    sessionStore,
    ledger,
    google,
    grants: createGoogleGrants({
      store: createSqliteGrantStore(db),
      cipher: createTokenCipher([{ id: 'test', key: randomBytes(32) }]),
      google,
      logger,
      now,
      googleTimeoutMs: options.timeoutMs ?? 1500,
    }),
    logger,
    now,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    db,
    sessionStore,
    path,
    logs,
    client: () => supertest.agent(url),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sessionStore.close();
      google.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Log lines of level error (500s): the suites require none for hostile input. */
export function errorLogs(logs: string[]): string[] {
  return logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}
