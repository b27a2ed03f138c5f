/**
 * Graceful shutdown, as an orchestrator or a rolling restart exercises it: SIGTERM turns /readyz
 * 503 at once, requests already accepted finish (a code already exchanged at Google is not thrown
 * away) and their responses say `Connection: close`, and the process exits 0 within the grace
 * period, also when started with `npm start`, whose npm process is the one that gets the signal.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import { BUILD_TIMEOUT_MS, buildDist, NPM_WITHOUT_BUILD, ROOT } from '../support/dist.js';
import { startHarness, type Harness } from '../support/harness.js';
import { getState } from '../support/sign-in.js';
import { waitUntil } from '../support/wait-until.js';
import { startListening } from '../support/server-process.js';

const ALICE = 'alice@example.com';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A sign-in whose userinfo call hangs for `hangMs`: in flight, past the code exchange. */
async function signInHeldAtUserinfo(harness: Harness, hangMs?: number) {
  harness.emulator.inject('userinfo', { kind: 'hang', ...(hangMs ? { ms: hangMs } : {}) });
  const agent = harness.client();
  const state = await getState(agent);
  const response = agent
    .post(`/gconnect?state=${state}`)
    .type('text/plain')
    .send(harness.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId }))
    .then(
      (res) => res,
      (err: unknown) => err as Error,
    );
  await waitUntil('the code exchange', () => harness.emulator.calls('userinfo').length === 1);
  return { response };
}

describe('draining', () => {
  it('when shutdown starts during a sign-in, then /readyz is 503 at once and the sign-in still completes, with Connection: close', async () => {
    h = await startHarness({ env: { GOOGLE_TIMEOUT_MS: '20000' } });
    const { response } = await signInHeldAtUserinfo(h, 1000);
    expect(h.emulator.calls('token')).toHaveLength(1);
    const closed = h.server.close(30_000);

    const ready = await supertest(h.url).get('/readyz').expect(503, { status: 'draining' });
    expect(ready.headers.connection).toBe('close');
    const res = await response;
    if (res instanceof Error) throw res;
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('Welcome');
    expect(res.headers.connection).toBe('close');
    await closed;
    // The exchanged code became a user and a stored, signed-in session.
    expect(h.userRows().map((u) => u.email)).toEqual([ALICE]);
    expect(h.sessionCount()).toBe(1);
  });

  it('when the accept window (SHUTDOWN_ACCEPT_MS) has passed, then new requests get 503 with Retry-After before any work, and the accepted sign-in still completes', async () => {
    h = await startHarness({ env: { GOOGLE_TIMEOUT_MS: '20000' } });
    const { response } = await signInHeldAtUserinfo(h, 3000);
    const closed = h.server.close(30_000, 0);
    const sessionsBefore = h.sessionCount();

    const refused = await waitUntil('a refused request', async () => {
      const res = await supertest(h!.url).get('/login').set('Accept', 'application/json');
      return res.status === 503 ? res : undefined;
    });
    expect(refused.body).toBe('The server is shutting down; try again.');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers.connection).toBe('close');
    // Refused before the app: no session was created for it.
    expect(h.sessionCount()).toBe(sessionsBefore);
    const res = await response;
    if (res instanceof Error) throw res;
    expect(res.status, res.text).toBe(200);
    await closed;
  });

  it('when nothing is in flight, then the listener closes at once', async () => {
    h = await startHarness();
    const port = Number(new URL(h.url).port);
    await h.server.close(30_000);
    expect(await refusesConnections(port)).toBe(true);
  });

  it('when a request outlives the grace period, then its connection is cut and the close completes', async () => {
    h = await startHarness({ env: { GOOGLE_TIMEOUT_MS: '60000' } });
    const { response } = await signInHeldAtUserinfo(h);
    await h.server.close(200);
    expect(await response).toBeInstanceOf(Error);
  });
});

describe('npm start', () => {
  beforeAll(buildDist, BUILD_TIMEOUT_MS);

  it('when the npm process gets SIGTERM, then the server drains, exits 0 and its port closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gconnect-npm-start-'));
    const server = await startListening('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...NPM_WITHOUT_BUILD,
        NODE_ENV: 'test',
        PORT: '0',
        DATABASE_URL: `file:${join(dir, 'app.db')}`,
        GOOGLE_CLIENT_ID: CLIENT.clientId,
        GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
        GOOGLE_EMULATOR_URL: 'http://127.0.0.1:9',
        SESSION_SECRET: 'npm-start-test-secret-0123456789abcdef',
        BASE_URL: '', // Vitest puts Vite's BASE_URL=/ in process.env; the app reads BASE_URL too
      },
    });
    try {
      const url = server.url;
      await supertest(url).get('/readyz').expect(200);
      server.child.kill('SIGTERM'); // the npm process, not the server
      expect(await server.exited).toEqual([0, null]);
      expect(server.output()).toContain('"signal":"SIGTERM"');
      expect(await refusesConnections(Number(new URL(url).port))).toBe(true);
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
    // npm itself takes seconds to start on a loaded machine: a generous deadline, not a timing.
  }, 90_000);
});

/** True when nothing listens on the port any more (the server process is gone). */
async function refusesConnections(port: number): Promise<boolean> {
  return waitUntil('the port to close', async () => {
    const socket = connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      return false;
    } catch {
      return true;
    } finally {
      socket.destroy();
    }
  });
}
