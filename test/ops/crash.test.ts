/**
 * A crash (kill -9) in the middle of sign-in load, on each storage engine: after a restart on
 * the same database, every client that was welcomed is still signed in, and no account got a
 * second user row. A welcome is only sent once the user row and the session are stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';
import { waitUntil } from '../support/wait-until.js';
import { ACCOUNTS, lostSignIns, startLoad } from './load.js';
import { instanceEnv, startInstance, stopInstance, type Instance } from './processes.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await createEmulator({ clients: [CLIENT] });
});
afterAll(async () => {
  await emulator.close();
});

describe.each(ENGINES)('on %s', (engineName) => {
  let engine: EngineUnderTest;
  let instance: Instance | undefined;
  beforeAll(async () => {
    engine = await createEngine(engineName);
  });
  afterAll(async () => {
    if (instance) await stopInstance(instance, 'SIGKILL');
    await engine.destroy();
  });

  it('when the server is killed during sign-ins and restarted, then every welcomed client is still signed in and no user is duplicated', async () => {
    const env = instanceEnv(engine.url, emulator.url, { RATE_LIMIT_PER_MINUTE: '0' });
    instance = await startInstance(env);
    const load = startLoad(emulator, instance.url, 4, '127.0.0.1');
    await waitUntil('sign-ins before the crash', () => load.welcomed.length >= 10, {
      timeoutMs: 60_000,
    });
    expect(await stopInstance(instance, 'SIGKILL')).toBeNull();
    await load.stop();

    instance = await startInstance(env, instance.port);
    expect(await lostSignIns(load.welcomed)).toEqual([]);
    const users = await engine.rows<{ google_sub: string; n: string | number }>(
      'SELECT google_sub, count(*) AS n FROM users GROUP BY google_sub',
    );
    expect(users.map((u) => Number(u.n))).toEqual(users.map(() => 1));
    expect(users.length).toBeLessThanOrEqual(ACCOUNTS.length);
  }, 120_000);
});
