/**
 * The app as production starts it (src/server/start.ts startServer, on a temporary SQLite database),
 * against a fresh Google emulator, with the test overrides the environment cannot give.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { loadConfig, optionsFromEnv, type EnvironmentSettings } from '../../src/config/from-env.js';
import { type Config } from '../../src/config/resolve.js';
import { createEmulator, type Emulator } from '../../emulator/server/emulator.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { GconnectHooks } from '../../src/composition/create-gconnect.js';
import type { SqliteDatabase } from '../../src/storage/sqlite/database.js';
import type { TableSessionStore } from '../../src/http/session/table-session-store.js';
import { gconnectWithHooks, type Inside } from './gconnect-factory.js';
import { CLIENT } from './client.js';
import { openReader } from './database.js';
import { capturingLogger } from './logs.js';

export type Agent = ReturnType<typeof supertest.agent>;

export interface Harness {
  url: string;
  emulator: Emulator;
  server: RunningServer;
  /** The settings as the app read them (internal), and as the server takes them (public). */
  config: Config;
  settings: EnvironmentSettings;
  dataDir: string;
  /** The app's own database connection (per-connection pragmas make it read-only or full). */
  readonly appDb: SqliteDatabase;
  readonly sessionStore: TableSessionStore;
  /** Everything the app logged, as raw JSON lines. */
  logs: string[];
  /** A browser-like client that keeps its cookies. */
  client(): Agent;
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
  /** App settings the configuration refuses, e.g. production cookies against the emulator. */
  app?: GconnectHooks['app'];
  SessionStore?: GconnectHooks['SessionStore'];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator = await createEmulator({ clients: [CLIENT], ...options.emulatorOptions });
  const dataDir = mkdtempSync(join(tmpdir(), 'gconnect-test-'));
  const logs: string[] = [];
  const logger = capturingLogger('debug', (line) => logs.push(line));
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: `file:${join(dataDir, 'app.db')}`,
    GOOGLE_CLIENT_ID: CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
    GOOGLE_EMULATOR_URL: emulator.url,
    // Generous for a loaded machine; the deadline tests set their own.
    GOOGLE_TIMEOUT_MS: '3000',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    // Suites sign in far more often than a person would; the limit has its own tests.
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  };
  const config = loadConfig(env);
  const settings = optionsFromEnv(env);
  let inside!: Inside;
  const hooks = {
    ...(options.app ? { app: options.app } : {}),
    ...(options.SessionStore ? { SessionStore: options.SessionStore } : {}),
  };
  const start = () =>
    startServer(settings, {
      logger,
      ...(options.now ? { now: options.now } : {}),
      createGconnect: gconnectWithHooks(hooks, (opened) => (inside = opened)),
    });
  let server = await start();
  // Opened on first use: a harness on PostgreSQL (DATABASE_URL postgres://) has no file to read.
  let reader: SqliteDatabase | undefined;
  const read = () => (reader ??= openReader(sqlitePathOf(config)));

  return {
    get url() {
      return server.url;
    },
    emulator,
    get server() {
      return server;
    },
    get appDb() {
      if (!inside.db) throw new Error('appDb: this harness runs on PostgreSQL');
      return inside.db;
    },
    get sessionStore() {
      return inside.sessionStore;
    },
    config,
    settings,
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
}

/** The SQLite file of a harness's config (the suites that read rows run on SQLite). */
export function sqlitePathOf(config: Config): string {
  if (config.database.kind !== 'sqlite') throw new Error('this harness runs on PostgreSQL');
  return config.database.path;
}
