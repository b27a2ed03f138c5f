import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pino from 'pino';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../src/config.js';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { startServer, type RunningServer } from '../../src/start.js';

export const CLIENT = {
  clientId: 'test-client.apps.googleusercontent.com',
  clientSecret: 'test-secret-value',
};

export interface Harness {
  url: string;
  emulator: Emulator;
  server: RunningServer;
  config: Config;
  dataDir: string;
  /** Everything the app logged, as raw JSON lines. */
  logs: string[];
  /** A browser-like client that keeps its cookies. */
  client(): supertest.Agent;
  /** Rows of the users table, read through a separate connection. */
  userRows(): { id: number; google_sub: string; email: string | null; name: string | null }[];
  sessionCount(): number;
  close(): Promise<void>;
  /** Starts the app again on the same database (a restart). */
  restart(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  now?: () => number;
  emulatorOptions?: Partial<Parameters<typeof createEmulator>[0]>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator = await createEmulator({ clients: [CLIENT], ...options.emulatorOptions });
  const dataDir = mkdtempSync(join(tmpdir(), 'gconnect-test-'));
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: `file:${join(dataDir, 'app.db')}`,
    GOOGLE_CLIENT_ID: CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
    GOOGLE_EMULATOR_URL: emulator.url,
    GOOGLE_TIMEOUT_MS: '1500',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    // Suites sign in far more often than a person would; the limit has its own tests.
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  });
  const start = () => startServer(config, { logger, ...(options.now ? { now: options.now } : {}) });
  let server = await start();
  // Opened on first use: a harness on PostgreSQL (DATABASE_URL postgres://) has no file to read.
  let reader: Database.Database | undefined;
  const read = () =>
    (reader ??= new Database(sqlitePathOf(config), { readonly: true, fileMustExist: true }));

  const harness: Harness = {
    get url() {
      return server.url;
    },
    emulator,
    get server() {
      return server;
    },
    config,
    dataDir,
    logs,
    client: () => supertest.agent(server.url),
    userRows: () =>
      read().prepare('SELECT id, google_sub, email, name FROM users ORDER BY id').all() as never,
    sessionCount: () =>
      (read().prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n,
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      reader?.close();
      await server.close(100);
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** GET /login as JSON: the state for this client's session. */
export async function getState(agent: supertest.Agent): Promise<string> {
  const res = await agent.get('/login').set('Accept', 'application/json').expect(200);
  return (res.body as { state: string }).state;
}

/** A full popup-flow sign-in for `account` (email), as the page's script does it. */
export async function signIn(
  h: Harness,
  agent: supertest.Agent,
  account: string,
): Promise<supertest.Response> {
  const state = await getState(agent);
  const code = h.emulator.issueCode({ account, clientId: CLIENT.clientId });
  return agent
    .post(`/gconnect?state=${encodeURIComponent(state)}`)
    .type('application/octet-stream')
    .send(code);
}

/** The cookie value named `sid` in a response's Set-Cookie, if any. */
export function sessionCookieOf(res: supertest.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => /^(__Host-)?sid=/.test(c));
}

/** signIn that must succeed (200, and the given content type, HTML by default). */
export async function signInOk(
  h: Harness,
  agent: supertest.Agent,
  account: string,
  contentType: RegExp = /text\/html/,
): Promise<supertest.Response> {
  const res = await signIn(h, agent, account);
  if (res.status !== 200 || !contentType.test(String(res.headers['content-type']))) {
    throw new Error(`sign-in as ${account} failed: ${res.status} ${res.text.slice(0, 200)}`);
  }
  return res;
}

/** The SQLite file of a harness's config (the suites that read rows run on SQLite). */
export function sqlitePathOf(config: Config): string {
  if (config.database.kind !== 'sqlite') throw new Error('this harness runs on PostgreSQL');
  return config.database.path;
}
