/**
 * `DATABASE_URL=postgres://… npm start`, as an operator runs it: the real entry point on a
 * fresh PostgreSQL database, a sign-in over HTTP against the emulator, and a restart that signs
 * no one out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';
import { BUILD_TIMEOUT_MS, buildDist, NPM_WITHOUT_BUILD, ROOT } from '../support/dist.js';
import { getState, sessionCookieOf } from '../support/sign-in.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';

interface Started {
  child: ChildProcess;
  url: string;
}

/** `npm start` in its own process group; resolves with the URL it logs once listening. */
async function npmStart(env: Record<string, string>): Promise<Started> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    // Only what npm needs: vitest's own environment carries BASE_URL=/ (Vite's), which the
    // server would rightly refuse.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...NPM_WITHOUT_BUILD,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (listening?.[1]) resolve(listening[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${output}`)));
  });
  return { child, url };
}

/** Ends the process group we started (npm and the server it runs). */
async function stop(started: Started | undefined): Promise<void> {
  const { child } = started ?? {};
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

describe('DATABASE_URL=postgres://… npm start', () => {
  let emulator: Emulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  let server: Started | undefined;
  beforeAll(buildDist, BUILD_TIMEOUT_MS);
  beforeAll(async () => {
    emulator = await createEmulator({ clients: [CLIENT] });
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      PORT: '0',
      GOOGLE_EMULATOR_URL: emulator.url,
      GOOGLE_CLIENT_ID: CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
      SESSION_SECRET: 'npm-start-postgres-secret-0123456789',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await stop(server);
    await emulator?.close();
    await db?.drop();
  });

  it('when started on an empty database, then it migrates, signs a user in, and a restart keeps the session', async () => {
    server = await npmStart(env);
    const agent = supertest.agent(server.url);
    const state = await getState(agent);
    const code = emulator.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    const res = await agent
      .post(`/gconnect?state=${state}`)
      .type('application/octet-stream')
      .send(code)
      .expect(200);
    expect(res.text).toContain('Welcome');

    const client = new pg.Client(db.url);
    await client.connect();
    try {
      const users = await client.query('SELECT google_sub, email FROM users');
      expect(users.rows).toEqual([
        { google_sub: expect.any(String) as unknown, email: 'alice@example.com' },
      ]);
    } finally {
      await client.end();
    }

    await stop(server);
    server = await npmStart(env);
    const cookie = sessionCookieOf(res)?.split(';')[0] ?? '';
    const me = await supertest(server.url).get('/me').set('Cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ email: 'alice@example.com' });
  }, 60_000);
});
