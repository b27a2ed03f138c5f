/** The PostgreSQL pool's settings reach the server, and its failures read as "unavailable". */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../../src/http/error-handler.js';
import { createPgPool } from '../../src/storage/pg/pool.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { pgSettings } from '../support/storage-engines.js';

describe('PostgreSQL pool', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPgPool(
      pgSettings(db.url, {
        poolSize: 3,
        statementTimeoutMs: 300,
        idleInTransactionTimeoutMs: 4000,
        applicationName: 'gconnect-pool-test',
      }),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const show = async (setting: string) =>
    (await pool.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]?.[setting];

  it('when connected, then statement_timeout, idle_in_transaction_session_timeout and application_name are the configured ones', async () => {
    expect(await show('statement_timeout')).toBe('300ms');
    expect(await show('idle_in_transaction_session_timeout')).toBe('4s');
    expect(await show('application_name')).toBe('gconnect-pool-test');
  });

  it('when many queries run at once, then at most DATABASE_POOL_SIZE connections are open', async () => {
    const seen = await Promise.all(
      Array.from({ length: 12 }, () =>
        pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'gconnect-pool-test'`,
        ),
      ),
    );
    expect(Math.max(...seen.map((r) => r.rows[0]!.n))).toBeLessThanOrEqual(3);
  });

  it('when a statement runs past statement_timeout, then the server cancels it and the request would get 503', async () => {
    const err = await pool.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('57014');
    expect(toAppError(err).status).toBe(503);
  });

  it('when a query is malformed, then it is a bug (500), not an outage', async () => {
    const err = await pool.query('SELEC 1').catch((e: unknown) => e);
    expect(toAppError(err).status).toBe(500);
  });
});
