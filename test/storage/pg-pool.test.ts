/** The PostgreSQL pool's settings reach the server, and its failures read as "unavailable". */
import net from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../../src/http/error-handler.js';
import { createPgPool } from '../../src/storage/pg/pool.js';
import { capturingLogger } from '../support/logs.js';
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

  it('when the server is read-only (a standby after a failover), then a write is unavailable (503), not a bug', async () => {
    const client = await pool.connect();
    try {
      await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
      const err = await client
        .query('CREATE TEMP TABLE gconnect_read_only_probe (n int)')
        .catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('25006');
      expect(toAppError(err).status).toBe(503);
    } finally {
      client.release(true); // not back into the pool: it stays read-only
    }
  });

  it('when a query is malformed, then it is a bug (500), not an outage', async () => {
    const err = await pool.query('SELEC 1').catch((e: unknown) => e);
    expect(toAppError(err).status).toBe(500);
  });

  it('when an idle connection is ended by the server, then the pool logs it, the process keeps running, and the next query gets a new connection', async () => {
    let lost: (line: string) => void = () => {};
    const logged = new Promise<string>((resolve) => (lost = resolve));
    const own = createPgPool(
      pgSettings(db.url, { poolSize: 1, applicationName: 'gconnect-pool-lost' }),
      capturingLogger('warn', (line) => lost(line)),
    );
    try {
      const before = await own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // The connection is back in the pool, idle, when the server ends it.
      await pool.query('SELECT pg_terminate_backend($1)', [before.rows[0]!.pid]);
      expect(JSON.parse(await logged)).toMatchObject({
        level: 40,
        msg: 'idle database connection lost',
        err: { message: expect.stringMatching(/terminating connection/) as unknown },
      });
      const after = await own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(after.rows[0]!.pid).not.toBe(before.rows[0]!.pid);
    } finally {
      await own.end();
    }
  });

  it('when every connection is busy past connectTimeoutMs, then a query gives up (503) instead of queueing on', async () => {
    const own = createPgPool(
      pgSettings(db.url, { poolSize: 1, connectTimeoutMs: 200 }),
      pino({ level: 'silent' }),
    );
    const busy = await own.connect();
    try {
      const err = await own.query('SELECT 1').catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/timeout exceeded when trying to connect/);
      expect(toAppError(err).status).toBe(503);
    } finally {
      busy.release();
      await own.end();
    }
  });

  it('when the server stops answering altogether, then the query fails (503) after statement plus connect timeout', async () => {
    const proxy = await silenceableProxy(db.url);
    const own = createPgPool(
      pgSettings(proxy.url, { poolSize: 1, statementTimeoutMs: 200, connectTimeoutMs: 200 }),
      pino({ level: 'silent' }),
    );
    try {
      await own.query('SELECT 1');
      // Nothing comes back any more, not even the server's own statement_timeout error.
      proxy.silence();
      const err = await own.query('SELECT 1').catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/Query read timeout/);
      expect(toAppError(err).status).toBe(503);
    } finally {
      await own.end();
      proxy.close();
    }
  });
});

/**
 * A TCP proxy to the database at `url` whose answers can be stopped (`silence()`): a server that
 * is still connected but no longer answers, as when it hangs or a network path drops packets.
 */
async function silenceableProxy(url: string) {
  // node-postgres reads the URL as it will connect (a host starting with / is a socket folder).
  const { host, port, user, database } = new pg.Client(url);
  const connectUpstream = () =>
    host.startsWith('/') ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
  let silent = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = connectUpstream();
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (bytes: Buffer) => upstream.write(bytes));
    upstream.on('data', (bytes: Buffer) => {
      if (!silent) client.write(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as net.AddressInfo;
  return {
    url: `postgres://${user}@127.0.0.1:${proxyPort}/${database}`,
    silence: () => (silent = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
