import type pg from 'pg';
import {
  macParams,
  toSealed,
  type GrantFromSignIn,
  type GrantStatus,
  type GrantStore,
  type SealedRow,
  type StoredGrant,
} from '../grant-store.js';

interface PgGrantRow {
  user_id: string;
  refresh_token: string | null;
  access_token: string | null;
  access_token_expires_at: string | null;
  scope: string;
  requested_scope: string;
  status: GrantStatus;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
  refreshed_at: Date | null;
  access_ends_at: string | null;
  access_starts_at: string | null;
}

function toGrant(row: PgGrantRow): StoredGrant {
  return {
    userId: Number(row.user_id),
    refreshToken: row.refresh_token,
    accessToken: row.access_token,
    accessTokenExpiresAt:
      row.access_token_expires_at === null ? null : Number(row.access_token_expires_at),
    scope: row.scope,
    requestedScope: row.requested_scope,
    status: row.status,
    statusReason: row.status_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    refreshedAt: row.refreshed_at?.toISOString() ?? null,
    accessEndsAt: row.access_ends_at === null ? null : Number(row.access_ends_at),
    accessStartsAt: row.access_starts_at === null ? null : Number(row.access_starts_at),
  };
}

/**
 * The sign-in's grant upsert (the grant store's and a sign-in's transaction's: sign-in-writes.ts),
 * parameters as saveGrantParams orders them.
 */
export const PG_SAVE_GRANT = `INSERT INTO google_grants AS g (user_id, refresh_token, access_token,
    access_token_expires_at, scope, status, status_reason, created_at, updated_at,
    refresh_prefix_mac, refresh_hash_mac, access_ends_at, requested_scope, access_starts_at)
  VALUES ($1, $2::text, $3, $4, $5,
    CASE WHEN $2::text IS NULL THEN 'needs_reconnect' ELSE 'connected' END,
    CASE WHEN $2::text IS NULL THEN 'no refresh token' END, $6, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (user_id) DO UPDATE SET
    requested_scope = CASE
      WHEN strpos(' ' || g.requested_scope || ' ', ' ' || excluded.requested_scope || ' ') > 0
      THEN g.requested_scope ELSE trim(g.requested_scope || ' ' || excluded.requested_scope) END,
    refresh_token = coalesce(excluded.refresh_token, g.refresh_token),
    refresh_prefix_mac = CASE WHEN $2::text IS NULL THEN g.refresh_prefix_mac
      ELSE excluded.refresh_prefix_mac END,
    refresh_hash_mac = CASE WHEN $2::text IS NULL THEN g.refresh_hash_mac
      ELSE excluded.refresh_hash_mac END,
    access_ends_at = CASE WHEN $2::text IS NULL THEN g.access_ends_at
      ELSE excluded.access_ends_at END,
    access_starts_at = CASE WHEN $2::text IS NULL THEN g.access_starts_at
      ELSE excluded.access_starts_at END,
    access_token = excluded.access_token,
    access_token_expires_at = excluded.access_token_expires_at,
    scope = excluded.scope,
    status = CASE WHEN $2::text IS NULL THEN g.status ELSE 'connected' END,
    status_reason = CASE WHEN $2::text IS NULL THEN g.status_reason END,
    updated_at = excluded.updated_at`;

export function saveGrantParams(userId: number, grant: GrantFromSignIn, now: Date): unknown[] {
  return [
    userId,
    grant.refreshToken,
    grant.accessToken,
    grant.accessTokenExpiresAt,
    grant.scope,
    now,
    ...Object.values(macParams(grant.refreshTokenMacs)),
    grant.accessEndsAt ?? null,
    grant.requestedScope ?? '',
    grant.accessStartsAt ?? null,
  ];
}

/** The PostgreSQL twin of ../sqlite/grant-store.ts: the same statements in PostgreSQL's dialect. */
export function createPgGrantStore(pool: pg.Pool): GrantStore {
  return {
    async saveFromSignIn(userId, grant, now) {
      await pool.query(PG_SAVE_GRANT, saveGrantParams(userId, grant, now));
    },
    async find(userId) {
      const { rows } = await pool.query<PgGrantRow>(
        'SELECT * FROM google_grants WHERE user_id = $1',
        [userId],
      );
      return rows[0] && toGrant(rows[0]);
    },
    async claimRefreshLease(userId, nowMs, untilMs) {
      // One UPDATE decides: PostgreSQL locks the row, and of two instances racing for an
      // expired lease the second re-checks the WHERE after the first commits and matches nothing.
      const { rowCount } = await pool.query(
        `UPDATE google_grants SET refresh_lease_until = $3
         WHERE user_id = $1 AND (refresh_lease_until IS NULL OR refresh_lease_until <= $2)`,
        [userId, nowMs, untilMs],
      );
      return rowCount === 1;
    },
    async releaseRefreshLease(userId) {
      await pool.query('UPDATE google_grants SET refresh_lease_until = NULL WHERE user_id = $1', [
        userId,
      ]);
    },
    async saveRefreshed(userId, grant, now) {
      await pool.query(
        `UPDATE google_grants SET access_token = $2, access_token_expires_at = $3,
           refresh_token = coalesce($4, refresh_token), scope = coalesce($5, scope),
           refresh_prefix_mac = CASE WHEN $4::text IS NULL THEN refresh_prefix_mac ELSE $7 END,
           refresh_hash_mac = CASE WHEN $4::text IS NULL THEN refresh_hash_mac ELSE $8 END,
           access_ends_at = CASE WHEN $4::text IS NULL THEN access_ends_at ELSE $10::bigint END,
           access_starts_at = CASE WHEN $4::text IS NULL THEN access_starts_at
             ELSE $11::bigint END,
           refreshed_at = $6, updated_at = $6, refresh_lease_until = NULL
         WHERE user_id = $1 AND refresh_token = $9`,
        [
          userId,
          grant.accessToken,
          grant.accessTokenExpiresAt,
          grant.refreshToken,
          grant.scope,
          now,
          ...Object.values(macParams(grant.refreshTokenMacs)),
          grant.refreshedWith,
          grant.accessEndsAt ?? null,
          grant.accessStartsAt ?? null,
        ],
      );
    },
    async deleteByRefreshTokenMac(macs) {
      const { rows } = await pool.query<{ user_id: string }>(
        `DELETE FROM google_grants
         WHERE refresh_prefix_mac = ANY($1::text[]) OR refresh_hash_mac = ANY($1::text[])
         RETURNING user_id`,
        [macs],
      );
      return rows[0] ? Number(rows[0].user_id) : undefined;
    },
    async markNeedsReconnect(userId, reason, now, refreshedWith) {
      await pool.query(
        `UPDATE google_grants SET status = 'needs_reconnect', status_reason = $2,
           access_token = NULL, access_token_expires_at = NULL, updated_at = $3,
           refresh_lease_until = NULL
         WHERE user_id = $1 AND refresh_token = $4`,
        [userId, reason, now, refreshedWith],
      );
    },
    async delete(userId) {
      const { rowCount } = await pool.query('DELETE FROM google_grants WHERE user_id = $1', [
        userId,
      ]);
      return rowCount === 1;
    },
    async deleteUnlessWrittenAfter(userId, at) {
      const { rowCount } = await pool.query(
        'DELETE FROM google_grants WHERE user_id = $1 AND updated_at <= $2',
        [userId, at],
      );
      return rowCount === 1;
    },
    async listSealed() {
      const { rows } = await pool.query<SealedRow>(
        `SELECT user_id, refresh_token, access_token, refresh_prefix_mac, refresh_hash_mac
         FROM google_grants ORDER BY user_id`,
      );
      return rows.map(toSealed);
    },
    async replaceSealed(userId, before, after) {
      const { rowCount } = await pool.query(
        `UPDATE google_grants SET refresh_token = $4, access_token = $5,
           refresh_prefix_mac = $6, refresh_hash_mac = $7
         WHERE user_id = $1 AND refresh_token IS NOT DISTINCT FROM $2
           AND access_token IS NOT DISTINCT FROM $3`,
        [
          userId,
          before.refreshToken,
          before.accessToken,
          after.refreshToken,
          after.accessToken,
          ...Object.values(macParams(after.refreshTokenMacs)),
        ],
      );
      return rowCount === 1;
    },
  };
}
