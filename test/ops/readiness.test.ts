/**
 * GET /readyz tells a load balancer whether to send this instance traffic: the database answers
 * with the schema this code expects, and the instance is not shutting down. /healthz stays a
 * liveness check (the process and its database answer), so an orchestrator does not restart an
 * instance that is only waiting for a migration.
 */
import Database from 'better-sqlite3';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/use-harness.js';

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
    await withSchemaVersion(h.config.databasePath, 999, async () => {
      await supertest(h.url).get('/readyz').expect(503, { status: 'unavailable' });
      await supertest(h.url).get('/healthz').expect(200, { status: 'ok' });
    });
    await supertest(h.url).get('/readyz').expect(200, { status: 'ready' });
  });
});
