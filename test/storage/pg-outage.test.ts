/**
 * PostgreSQL going away under a running server: requests get 503 within the connection
 * timeout (no hang, no crash), and the server serves again by itself once the database is
 * back, with the sessions it had. A cluster of its own, since this test stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOk, startHarness, type Harness } from '../helpers/harness.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { createTestDatabase } from '../helpers/pg-database.js';

const UNAVAILABLE = 'The database is unavailable; try again.';

describe('when PostgreSQL stops and comes back', () => {
  let cluster: PgCluster;
  let h: Harness;
  beforeAll(async () => {
    cluster = startPgCluster();
    const db = await createTestDatabase(cluster.urlFor('postgres'));
    h = await startHarness({
      env: {
        DATABASE_URL: db.url,
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    cluster?.destroy();
  });

  it('then requests answer 503, the process keeps running, and it recovers on its own', async () => {
    const agent = h.client();
    await signInOk(h, agent, 'alice@example.com');
    await agent.get('/me').expect(200);

    cluster.stop(); // immediate: every open connection breaks
    const me = await agent.get('/me');
    expect(me.status).toBe(503);
    expect(me.body).toBe(UNAVAILABLE);
    await h.client().get('/healthz').expect(503);

    cluster.start();
    await pollUntil(async () => (await h.client().get('/healthz')).status === 200);
    const again = await agent.get('/me').expect(200);
    expect(again.body).toMatchObject({ email: 'alice@example.com' });
    const logged = h.logs.join('\n');
    expect(logged).toMatch(/storage_unavailable/);
    expect(logged).not.toMatch(/sid=|Cookie/i);
  }, 60_000);
});

async function pollUntil(condition: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
