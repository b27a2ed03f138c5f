/**
 * Databases on a PostgreSQL server through an admin URL, without vitest: the tests (through
 * pg-database.ts) and the benchmark (bench/postgres.ts) both make throwaway databases with it.
 */
import pg from 'pg';

export interface ScratchDatabase {
  /** DATABASE_URL of the new, empty database. */
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database `name` (CREATE DATABASE copies template1: fast). */
export async function createDatabase(adminUrl: string, name: string): Promise<ScratchDatabase> {
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(adminUrl, name),
    // FORCE ends connections left open (e.g. a pool nobody closed after a failure).
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
