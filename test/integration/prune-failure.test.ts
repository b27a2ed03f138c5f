/**
 * The background prune against a busy database, in a real server process: an unhandled
 * rejection would end it with exit code 1. The prune runs once at start, so a server restarted
 * more often than the prune interval still prunes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { CLIENT } from '../support/client.js';
import { waitFor } from '../support/wait.js';

let dataDir: string;
let lock: Database.Database;
let child: ChildProcess | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'gconnect-prune-'));
});
afterEach(() => {
  child?.kill('SIGKILL');
  lock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Log lines of a server process started on `databasePath`, and its exit code once it exits. */
function startServerProcess(databasePath: string) {
  const lines: { msg?: string; url?: string; level?: number }[] = [];
  let exitCode: number | null = null;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/bin/server.ts'], {
    cwd: new URL('../..', import.meta.url),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: `file:${databasePath}`,
      GOOGLE_CLIENT_ID: CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
      SESSION_SECRET: 'prune-test-secret-0123456789abcdef',
      DATABASE_BUSY_TIMEOUT_MS: '50',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) lines.push(JSON.parse(line) as (typeof lines)[number]);
  });
  proc.on('exit', (code) => (exitCode = code ?? -1));
  child = proc;
  return { lines, exitCode: () => exitCode };
}

it('when the database is busy at the prune, then the failure is logged and the server keeps serving', async () => {
  const path = join(dataDir, 'app.db');
  openDatabase(path).close(); // the schema, so the server's start has nothing to write
  lock = new Database(path);
  lock.exec('BEGIN IMMEDIATE'); // another writer holds the lock past the busy timeout

  const server = startServerProcess(path);
  await waitFor(
    () => server.exitCode() !== null || server.lines.some((l) => l.url),
    'the server to listen',
  );
  const url = server.lines.find((l) => l.url)?.url;
  expect(server.exitCode(), 'the server exited').toBeNull();
  const warnings = server.lines.filter((l) => l.level === 40).map((l) => l.msg);
  expect(warnings).toEqual(expect.arrayContaining(['state prune failed', 'session prune failed']));

  // Still alive once the rejection has had every chance to surface, and serving.
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  lock.exec('ROLLBACK');
  expect((await fetch(`${url}/login`, { headers: { accept: 'application/json' } })).status).toBe(
    200,
  );
  expect(server.exitCode()).toBeNull();
});
