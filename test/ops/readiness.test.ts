/**
 * GET /readyz tells a load balancer whether to send this instance traffic: the database answers
 * with the schema this code expects, and the instance is not shutting down. /healthz stays a
 * liveness check (the process and its database answer), so an orchestrator does not restart an
 * instance that is only waiting for a migration.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sqlitePathOf, startHarness, type Harness } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { useHarness } from '../support/use-harness.js';
import { waitUntil } from '../support/wait-until.js';

const scope = useHarness();

/** Sets the schema version another deployment would leave, for the duration of `work`. */
async function withSchemaVersion(path: string, version: number, work: () => Promise<void>) {
  const other = new Database(path);
  const current = other.pragma('user_version', { simple: true }) as number;
  other.pragma(`user_version = ${version}`);
  try {
    await work();
  } finally {
    other.pragma(`user_version = ${current}`);
    other.close();
  }
}

describe('GET /readyz', () => {
  it('when the database answers and its schema is current, then 200 ready, never cached', async () => {
    const res = await supertest(scope.h.url).get('/readyz').expect(200, { status: 'ready' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('when the schema is not the version this code expects, then 503 while /healthz stays 200', async () => {
    const { h } = scope;
    await withSchemaVersion(sqlitePathOf(h.config), 999, async () => {
      await supertest(h.url).get('/readyz').expect(503, { status: 'unavailable' });
      await supertest(h.url).get('/healthz').expect(200, { status: 'ok' });
    });
    await supertest(h.url).get('/readyz').expect(200, { status: 'ready' });
  });
});

describe('GET /readyz on PostgreSQL', () => {
  let db: TestDatabase;
  let name: string;
  let h: Harness;
  beforeAll(async () => {
    db = await createTestDatabase();
    name = /\/(\w+)(\?|$)/.exec(db.url)![1]!;
    h = await startHarness({ env: { DATABASE_URL: db.url, DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  /** The database refuses every connection, open ones included, as if its server were down. */
  async function setReachable(reachable: boolean) {
    const admin = new pg.Client(inject('pgAdminUrl'));
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS ${reachable}`);
      if (!reachable) {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
      }
    } finally {
      await admin.end();
    }
  }

  it('when the database cannot be reached, then 503 until it can, then 200 again without a restart', async () => {
    await supertest(h.url).get('/readyz').expect(200, { status: 'ready' });
    await setReachable(false);
    try {
      await supertest(h.url).get('/readyz').expect(503, { status: 'unavailable' });
    } finally {
      await setReachable(true);
    }
    await waitUntil(
      'ready again',
      async () => (await supertest(h.url).get('/readyz')).status === 200,
      { timeoutMs: 30_000 },
    );
  }, 60_000);
});
