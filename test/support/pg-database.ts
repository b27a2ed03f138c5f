import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** DATABASE_URL of a new, empty database. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the run's cluster (CREATE DATABASE copies template1: fast). */
export async function createTestDatabase(adminUrl = inject('pgAdminUrl')): Promise<TestDatabase> {
  const name = `gconnect_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(adminUrl, name),
    // FORCE ends connections a test left open (e.g. a pool it did not close after a failure).
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The same server and credentials, another database: the URL's path is the database name. */
export function withDatabase(url: string, database: string): string {
  const [base = '', query] = url.split('?');
  const swapped = base.replace(/^(postgres(?:ql)?:\/\/[^/]*)\/?[^/]*$/, `$1/${database}`);
  return query === undefined ? swapped : `${swapped}?${query}`;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
