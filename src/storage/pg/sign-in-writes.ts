import type pg from 'pg';
import { SECURITY_LOG_KEEP } from '../security-log.js';
import { indexColumns, type SessionIndex } from '../session-table.js';
import type { SignInWrite, SignInWrites } from '../sign-in-writes.js';
import { PG_RELEASE_ATTEMPT } from './failed-sign-ins.js';
import { PG_SAVE_GRANT, saveGrantParams } from './grant-store.js';
import { PG_UPSERT_USER, upsertParams, userFromPgRow, type PgUserRow } from './user-store.js';

/**
 * Everything after the upsert as one statement of data-modifying CTEs. They all see the
 * statement's one snapshot: the eviction cannot see the new session (nor the log's trim the new
 * entry), so it keeps the newest `maxSessions - 1` OTHER sessions ($10) and the trim the newest
 * `keep - 1` older entries ($14); the old session ($2) is left out of the eviction, as it is
 * deleted by its own CTE (no row may be modified twice in one statement).
 */
const AFTER_UPSERT = `WITH old_session AS (
    DELETE FROM sessions WHERE sid = $2
  ), new_session AS (
    INSERT INTO sessions (sid, sess, expires_at, user_id, public_id, created_at, last_seen_at)
    VALUES ($3, $4, $5, $1, $6, $7, $8)
  ), evicted AS (
    DELETE FROM sessions WHERE sid IN (
      SELECT sid FROM sessions WHERE user_id = $1 AND expires_at > $9 AND sid <> $2
      ORDER BY created_at DESC, sid OFFSET $10)
  ), logged AS (
    INSERT INTO security_log (user_id, kind, detail, at) VALUES ($1, $11, $12, $13)
  )`;

const TRIM_LOG = `DELETE FROM security_log WHERE user_id = $1 AND id NOT IN (
    SELECT id FROM security_log WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $14)`;

/** A statement as one more CTE named `name`, its parameters numbered after the first `after`. */
function asCte(name: string, sql: string, after: number): string {
  return `, ${name} AS (${sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + after}`)})`;
}

/** Each shape's statement text (with or without a grant, an attempt), built on first use. */
const texts = new Map<string, string>();

/** The statement and its parameters: the grant's and the limiter's CTEs when there are some. */
function afterUpsert(
  params: unknown[],
  grant: unknown[] | undefined,
  attempt: unknown[] | undefined,
): { sql: string; params: unknown[] } {
  const parts = [
    ['kept_grant', PG_SAVE_GRANT, grant],
    ['given_back', PG_RELEASE_ATTEMPT, attempt],
  ] as const;
  const shape = parts.map(([, , values]) => values?.length ?? '-').join(':');
  let sql = texts.get(shape);
  if (sql === undefined) {
    let after = params.length;
    sql = AFTER_UPSERT;
    for (const [name, cte, values] of parts) {
      if (values === undefined) continue;
      sql += asCte(name, cte, after);
      after += values.length;
    }
    sql = `${sql} ${TRIM_LOG}`;
    texts.set(shape, sql);
  }
  return { sql, params: [...params, ...(grant ?? []), ...(attempt ?? [])] };
}

/**
 * A sign-in's writes in one transaction on one pooled connection, in four round trips: BEGIN,
 * the user upsert (RETURNING its id, which the grant's envelopes are sealed with, so it cannot
 * share a statement with the grant), every other write as ONE statement, COMMIT. Today's
 * node-postgres sends a client's queries one after the other (no pipelining), and a statement
 * with parameters cannot carry a BEGIN, so four is the floor without a stored procedure.
 */
export function createPgSignInWrites(pool: pg.Pool): SignInWrites {
  return {
    async commit(w) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const user = await writeAll(client, w);
          await client.query('COMMIT');
          return user;
        } catch (err) {
          await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
            // The connection is in an unknown state: the pool must not hand it out again.
            broken = rollbackErr as Error;
          });
          throw err;
        }
      } finally {
        client.release(broken);
      }
    },
  };
}

async function writeAll(client: pg.PoolClient, w: SignInWrite) {
  const now = new Date(w.nowMs);
  const { rows } = await client.query<PgUserRow>(PG_UPSERT_USER, upsertParams(w.profile, now));
  if (!rows[0]) throw new Error('upsert returned no row');
  const user = userFromPgRow(rows[0]);
  const grant = w.grant?.(user.id);
  const session = w.session(user);
  const params = [
    user.id,
    w.oldSid,
    session.sid,
    session.sess,
    session.expiresAt,
    ...sessionIndex(session.index),
    w.nowMs,
    w.maxSessions - 1,
    w.log.kind,
    w.log.detail,
    w.log.atMs,
    (w.logKeep ?? SECURITY_LOG_KEEP) - 1,
  ];
  const statement = afterUpsert(
    params,
    grant && saveGrantParams(user.id, grant, now),
    w.attempt && [w.attempt.clientKey, w.attempt.windowStart],
  );
  await client.query(statement.sql, statement.params);
  return user;
}

/** public_id, created_at, last_seen_at: the user id is $1. */
function sessionIndex(index: SessionIndex) {
  return indexColumns(index).slice(1);
}
