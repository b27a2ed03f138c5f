/**
 * A storage fault at a sign-in's last write: a trigger that makes every insert into security_log
 * fail, as a full disk would (SQLite's RAISE is a SQLITE_ error, PostgreSQL's is SQLSTATE 53100
 * disk_full: both a 503 "try again"). Put in through a connection of its own, on either engine.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { settle } from '../../src/core/settle.js';

/** Makes security_log inserts fail on the database at `url`; resolves with the repair. */
export async function failSecurityLogInserts(url: string): Promise<() => Promise<void>> {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length));
    try {
      db.exec(`CREATE TRIGGER fail_security_log BEFORE INSERT ON security_log
        BEGIN SELECT RAISE(ABORT, 'injected fault: the disk is full'); END`);
    } finally {
      db.close();
    }
    return () =>
      settle(() => {
        const again = new Database(url.slice('file:'.length));
        try {
          again.exec('DROP TRIGGER fail_security_log');
        } finally {
          again.close();
        }
      });
  }
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE FUNCTION fail_security_log() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected fault: the disk is full' USING ERRCODE = '53100'; END $$;
    CREATE TRIGGER fail_security_log BEFORE INSERT ON security_log
      FOR EACH ROW EXECUTE FUNCTION fail_security_log()`);
  return () =>
    run(`DROP TRIGGER fail_security_log ON security_log; DROP FUNCTION fail_security_log()`);
}
