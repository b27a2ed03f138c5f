import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { settle } from '../../src/core/settle.js';
import pg from 'pg';
import pino from 'pino';
import type { PgSettings } from '../../src/storage/pg/pool.js';
import { openPgStorage } from '../../src/storage/pg/pg-storage.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestDatabase } from './pg-database.js';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: EngineName[] = ['sqlite', 'postgres'];

/** A fresh, empty database of one engine, with what the tests need beyond the Storage. */
export interface EngineUnderTest {
  /** Opens (and migrates) a Storage on this database; several may be open at once. */
  open(): Promise<Storage>;
  /** Runs a read-only query through a separate connection (`?` placeholders on both engines). */
  rows<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** DATABASE_URL of this database. */
  url: string;
  /** Closes every Storage it opened and deletes the database. */
  destroy(): Promise<void>;
}

export function pgSettings(url: string, overrides: Partial<PgSettings> = {}): PgSettings {
  return {
    kind: 'postgres',
    url,
    poolSize: 5,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 5000,
    idleInTransactionTimeoutMs: 10_000,
    applicationName: 'gconnect-test',
    ...overrides,
  };
}

const quiet = pino({ level: 'silent' });

export async function createEngine(name: EngineName): Promise<EngineUnderTest> {
  return name === 'sqlite' ? createSqliteEngine() : createPgEngine();
}

function createSqliteEngine(): EngineUnderTest {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-contract-'));
  const path = join(dir, 'app.db');
  const opened: Storage[] = [];
  let reader: Database.Database | undefined;
  return {
    url: `file:${path}`,
    open: () =>
      settle(() => {
        const storage = openSqliteStorage(path);
        opened.push(storage);
        return storage;
      }),
    rows: <T>(sql: string, ...params: unknown[]) =>
      settle(() => {
        reader ??= new Database(path, { readonly: true });
        return reader.prepare(sql).all(...params) as T[];
      }),
    async destroy() {
      reader?.close();
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPgEngine(): Promise<EngineUnderTest> {
  const db = await createTestDatabase();
  const opened: Storage[] = [];
  const reader = new pg.Pool({ connectionString: db.url, max: 2 });
  reader.on('error', () => {}); // an idle connection ended by DROP DATABASE ... FORCE
  return {
    url: db.url,
    async open() {
      const storage = await openPgStorage(pgSettings(db.url), quiet);
      opened.push(storage);
      return storage;
    },
    async rows<T>(sql: string, ...params: unknown[]) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      return (await reader.query(text, params)).rows as T[];
    },
    async destroy() {
      await reader.end();
      for (const s of opened) await s.close();
      await db.drop();
    },
  };
}
