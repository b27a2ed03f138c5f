/**
 * Three app processes on one PostgreSQL behind a real HAProxy (deploy/haproxy.cfg, round robin,
 * health check on /readyz): everything that must agree across instances does, and neither a
 * crashed instance nor a rolling restart loses a signed-in session or fails a request.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS } from '../../emulator/server/accounts.js';
import { createEmulator, type Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';
import { createEngine, type EngineUnderTest } from '../support/storage-engines.js';
import { waitUntil } from '../support/wait-until.js';
import { sessionCookieOf } from '../support/sign-in.js';
import { clientAt, lostSignIns, signInOnce, startLoad } from './load.js';
import {
  instanceEnv,
  startHaproxy,
  startInstance,
  stopInstance,
  type Instance,
  type LoadBalancer,
} from './processes.js';

const FIRST_TIMER = {
  sub: '108888888888888888888',
  email: 'first.timer@example.com',
  emailVerified: true,
  name: 'First Timer',
  givenName: 'First',
  familyName: 'Timer',
  picture: '/avatars/108888888888888888888.svg',
};
const RATE_LIMIT = 5;

let emulator: Emulator;
let engine: EngineUnderTest;
let env: Record<string, string>;
const instances: Instance[] = [];
let lb: LoadBalancer;

beforeAll(async () => {
  emulator = await createEmulator({
    clients: [CLIENT],
    accounts: [...DEFAULT_ACCOUNTS, FIRST_TIMER],
  });
  engine = await createEngine('postgres');
  env = instanceEnv(engine.url, emulator.url, {
    // HAProxy adds X-Forwarded-For; each test also names its own client address in it.
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
  });
  instances.push(...(await Promise.all([1, 2, 3].map(() => startInstance(env)))));
  lb = await startHaproxy(instances);
}, 120_000);

afterAll(async () => {
  await lb?.stop();
  await Promise.all(instances.map((i) => stopInstance(i, 'SIGKILL')));
  await emulator?.close();
  await engine?.destroy();
});

// A test that stopped an instance brings it back; this makes sure before the next one starts.
beforeEach(async () => {
  for (const [n, instance] of instances.entries()) {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) {
      instances[n] = await startInstance(env, instance.port);
    }
  }
});

let nextAddress = 10;
/** A client address of its own per test, so one test's failed attempts never limit another. */
const newAddress = () => `198.51.100.${nextAddress++}`;

/** GET /login on one instance: the state and the cookie of the session that holds it. */
async function loginAt(instance: Instance, address: string) {
  const res = await clientAt(instance.url, address)
    .get('/login')
    .set('Accept', 'application/json')
    .expect(200);
  const cookie = sessionCookieOf(res)!.split(';')[0]!;
  return { state: (res.body as { state: string }).state, cookie };
}

async function userRowsOf(sub: string): Promise<number> {
  const rows = await engine.rows<{ n: string }>(
    'SELECT count(*) AS n FROM users WHERE google_sub = ?',
    sub,
  );
  return Number(rows[0]?.n);
}

describe('shared state', () => {
  it('when the state comes from instance A and the code is posted to B, then the sign-in succeeds and /me answers on C', async () => {
    const [a, b, c] = instances as [Instance, Instance, Instance];
    const address = newAddress();
    const { state, cookie } = await loginAt(a, address);
    const code = emulator.issueCode({ account: 'carol@example.com', clientId: CLIENT.clientId });
    const welcome = await supertest(b.url)
      .post(`/gconnect?state=${state}`)
      .set('X-Forwarded-For', address)
      .set('Cookie', cookie)
      .type('text/plain')
      .send(code);
    expect(welcome.status, welcome.text).toBe(200);
    const signedIn = sessionCookieOf(welcome)!.split(';')[0]!;
    const me = await supertest(c.url).get('/me').set('Cookie', signedIn).expect(200);
    expect((me.body as { email: string }).email).toBe('carol@example.com');
  });

  it('when 40 first sign-ins of one account arrive at once across the instances, then all succeed with one user row', async () => {
    // 40 people, each at an address of their own: from one address, only RATE_LIMIT sign-ins
    // may be in flight at once (each is reserved as a failure until it succeeds).
    const agents = Array.from({ length: 40 }, () => clientAt(lb.url, newAddress()));
    const states = await Promise.all(
      agents.map(async (agent) => {
        const res = await agent.get('/login').set('Accept', 'application/json').expect(200);
        return (res.body as { state: string }).state;
      }),
    );
    const results = await Promise.all(
      agents.map((agent, n) =>
        agent
          .post(`/gconnect?state=${states[n]}`)
          .type('text/plain')
          .send(emulator.issueCode({ account: FIRST_TIMER.email, clientId: CLIENT.clientId })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(await userRowsOf(FIRST_TIMER.sub)).toBe(1);
  });

  it('when one state is posted to two instances at once, then exactly one sign-in succeeds', async () => {
    const [a, b] = instances as [Instance, Instance];
    const address = newAddress();
    const { state, cookie } = await loginAt(a, address);
    const post = (url: string) =>
      supertest(url)
        .post(`/gconnect?state=${state}`)
        .set('X-Forwarded-For', address)
        .set('Cookie', cookie)
        .type('text/plain')
        .send(emulator.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId }));
    const results = await Promise.all([post(a.url), post(b.url)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    // And replayed later through the third instance, it is still refused.
    const replay = await post(instances[2]!.url);
    expect({ status: replay.status, body: replay.body as unknown }).toEqual({
      status: 401,
      body: 'Invalid state parameter.',
    });
  });

  it(`when a client fails ${RATE_LIMIT} sign-ins spread over the instances, then every instance answers it 429 before calling Google`, async () => {
    // The limit counts per minute: start where all attempts fit in one.
    await waitUntil('a fresh minute ahead', () => Date.now() % 60_000 < 40_000, {
      timeoutMs: 25_000,
    });
    const address = newAddress();
    for (let n = 0; n < RATE_LIMIT; n++) {
      await clientAt(instances[n % 3]!.url, address)
        .post('/gconnect?state=forged')
        .type('text/plain')
        .send('code')
        .expect(401);
    }
    emulator.resetCalls();
    for (const instance of instances) {
      await clientAt(instance.url, address)
        .post('/gconnect?state=forged')
        .type('text/plain')
        .send(emulator.issueCode({ account: 'bob@example.org', clientId: CLIENT.clientId }))
        .expect(429);
    }
    expect(emulator.calls('token')).toHaveLength(0);
    // Another client is not limited.
    const res = await signInOnce(emulator, clientAt(lb.url, newAddress()), 'bob@example.org');
    expect(res.status, res.text).toBe(200);
  });
});

describe('failures under load', () => {
  it('when one instance is killed (kill -9) under load, then no signed-in session is lost and the others keep serving', async () => {
    const load = startLoad(emulator, lb.url, 4, [1, 2, 3, 4].map(newAddress));
    await waitUntil('sign-ins before the kill', () => load.welcomed.length >= 8, {
      timeoutMs: 60_000,
    });
    const victim = instances[2]!;
    expect(await stopInstance(victim, 'SIGKILL')).toBeNull();
    const atKill = load.welcomed.length;
    await waitUntil('sign-ins after the kill', () => load.welcomed.length >= atKill + 12, {
      timeoutMs: 60_000,
    });
    await load.stop();
    expect(await lostSignIns(load.welcomed)).toEqual([]);
    // Only requests in flight at the killed instance may have failed.
    expect(load.failures.length).toBeLessThanOrEqual(4);
  }, 120_000);

  it('when the instances are restarted one at a time (SIGTERM) under load, then not one request fails', async () => {
    const load = startLoad(emulator, lb.url, 4, [1, 2, 3, 4].map(newAddress));
    for (const [n, old] of instances.entries()) {
      const before = load.welcomed.length;
      await waitUntil('sign-ins on the current set', () => load.welcomed.length >= before + 4, {
        timeoutMs: 60_000,
      });
      expect(await stopInstance(old, 'SIGTERM')).toBe(0);
      instances[n] = await startInstance(env, old.port);
    }
    const before = load.welcomed.length;
    await waitUntil('sign-ins after the restart', () => load.welcomed.length >= before + 4, {
      timeoutMs: 60_000,
    });
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(await lostSignIns(load.welcomed)).toEqual([]);
  }, 150_000);
});
