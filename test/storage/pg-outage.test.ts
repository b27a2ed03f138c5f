/**
 * PostgreSQL going away under a running server: requests get 503 within the connection
 * timeout (no hang, no crash), and the server serves again by itself once the database is
 * back, with the sessions it had. A cluster of its own, since this test stops it.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../../src/config/from-env.js';
import { startServer } from '../../src/server/start.js';
import { CLIENT } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sessionCookieOf, sessionIdOf, signInOk } from '../support/sign-in.js';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import { createTestDatabase } from '../support/pg-database.js';

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
    const signedIn = await signInOk(h, agent, 'alice@example.com');
    const sessionId = sessionIdOf(sessionCookieOf(signedIn) ?? '');
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
    expect(sessionId.length).toBeGreaterThan(10);
    expect(logged).not.toContain(sessionId);
  }, 60_000);
});

describe('when PostgreSQL cannot be reached at start', () => {
  it('then startup fails naming DATABASE_URL and what to check, never printing the password', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const config = optionsFromEnv({
      PORT: '0',
      DATABASE_URL: 'postgres://app:s3cret-pw@127.0.0.1:1/gconnect',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      GOOGLE_CLIENT_ID: CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
      SESSION_SECRET: 'unreachable-database-secret-0123456789',
    });
    const err = (await startServer(config, { logger }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /^DATABASE_URL: cannot open the PostgreSQL database postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/gconnect \(ECONNREFUSED/,
    );
    expect(`${err.message}\n${lines.join('')}`).not.toContain('s3cret-pw');
    expect(lines.join('')).toContain('"engine":"postgres"');
  });
});

async function pollUntil(condition: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
