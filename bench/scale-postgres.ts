/**
 * The scale phase on PostgreSQL: a new database migrated by the app's own code, filled in bulk
 * on the server (INSERT … SELECT FROM generate_series: seconds for a million rows, no million
 * round trips), then VACUUM ANALYZE, as autovacuum would leave a table that size. The timing
 * goes through the app's stores on a pool with the app's settings (loadConfig's defaults), so
 * each operation is a round trip over the socket, as in the app.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config/from-env.js';
import { openPgStorage } from '../src/storage/pg/pg-storage.js';
import { TableSessionStore } from '../src/http/session/table-session-store.js';
import { BENCH_CLIENT } from './accounts.js';
import type { BenchPostgres } from './postgres.js';
import { DAY_MS, type OpenFilled } from './scale.js';

/** Session ids as the fill makes them on the server: md5 hex, random-looking like real ones. */
function sidOf(i: number): string {
  return createHash('md5').update(`sid-${i}`).digest('hex');
}

// The same rows as scale.ts's fill (profileOf, sessionJson), in SQL. Users: $1 rows, $2 now
// (ISO). Sessions: $1 rows, $2 the expiry (ms), $3 the same as ISO, $4 signed-in time (ms).
const FILL_USERS = `
  INSERT INTO users (google_sub, email, email_verified, name, picture, created_at, updated_at, last_login_at)
  SELECT '2' || lpad(i::text, 20, '0'), 'user-' || i || '@example.com', true, 'User ' || i,
         'https://lh3.googleusercontent.com/a/2' || lpad(i::text, 20, '0') || '=s96-c',
         $2::timestamptz, $2::timestamptz, $2::timestamptz
  FROM generate_series(0, $1::int - 1) AS i
  ORDER BY i`;
const FILL_SESSIONS = `
  INSERT INTO sessions (sid, sess, expires_at)
  SELECT md5('sid-' || i),
         json_build_object(
           'cookie', json_build_object('originalMaxAge', 7200000, 'expires', $3::text,
             'secure', false, 'httpOnly', true, 'path', '/', 'sameSite', 'lax'),
           'userId', i + 1, 'googleSub', '2' || lpad(i::text, 20, '0'), 'signedInAt', $4::bigint
         )::text,
         $2::bigint
  FROM generate_series(0, $1::int - 1) AS i`;

/** PostgreSQL cases on `postgres`: each a database of its own, dropped on close. */
export function postgresFilled(postgres: BenchPostgres): OpenFilled {
  return async (rows, now, onProgress) => {
    const db = await postgres.createDatabase('gconnect_scale');
    try {
      const settings = loadConfig({
        DATABASE_URL: db.url,
        GOOGLE_CLIENT_ID: BENCH_CLIENT.clientId,
        GOOGLE_CLIENT_SECRET: BENCH_CLIENT.clientSecret,
      }).database;
      if (settings.kind !== 'postgres') throw new Error(`not a PostgreSQL URL: ${settings.kind}`);
      const storage = await openPgStorage(settings, pino({ level: 'warn' }, pino.destination(2)));
      const filling = performance.now();
      try {
        onProgress(`filling ${rows} rows (PostgreSQL)`);
        await fill(db.url, rows, now);
      } catch (err) {
        await storage.close();
        throw err;
      }
      const fillSeconds = (performance.now() - filling) / 1000;
      return {
        users: storage.users,
        sessions: new TableSessionStore(storage.sessions, { pruneIntervalMs: 0 }),
        sids: Array.from({ length: rows }, (_, i) => sidOf(i)),
        rows,
        fillSeconds,
        async close() {
          await storage.close();
          await db.drop();
        },
      };
    } catch (err) {
      await db.drop();
      throw err;
    }
  };
}

async function fill(url: string, rows: number, now: number): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const expires = now + DAY_MS;
    const at = new Date(now).toISOString();
    await client.query(FILL_USERS, [rows, at]);
    await client.query(FILL_SESSIONS, [
      rows,
      expires,
      new Date(expires).toISOString(),
      expires - DAY_MS,
    ]);
    await client.query('VACUUM (ANALYZE) users, sessions');
  } finally {
    await client.end();
  }
}
