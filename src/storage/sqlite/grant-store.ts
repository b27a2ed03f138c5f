import { settle } from '../../core/settle.js';
import {
  macParams,
  toSealed,
  type GrantFromSignIn,
  type GrantStatus,
  type GrantStore,
  type SealedRow,
  type StoredGrant,
} from '../grant-store.js';
import type { SqliteDatabase } from './database.js';

/** A google_grants row as SQLite returns it. */
export interface GrantRow {
  user_id: number;
  refresh_token: string | null;
  access_token: string | null;
  access_token_expires_at: number | null;
  scope: string;
  requested_scope: string;
  status: GrantStatus;
  status_reason: string | null;
  created_at: string;
  updated_at: string;
  refreshed_at: string | null;
  access_ends_at: number | null;
  access_starts_at: number | null;
}

function toGrant(row: GrantRow): StoredGrant {
  return {
    userId: row.user_id,
    refreshToken: row.refresh_token,
    accessToken: row.access_token,
    accessTokenExpiresAt: row.access_token_expires_at,
    scope: row.scope,
    requestedScope: row.requested_scope,
    status: row.status,
    statusReason: row.status_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    refreshedAt: row.refreshed_at,
    accessEndsAt: row.access_ends_at,
    accessStartsAt: row.access_starts_at,
  };
}

/** The sign-in's grant upsert, synchronous: for the grant store and a sign-in's transaction. */
export function prepareGrantSave(
  db: SqliteDatabase,
): (userId: number, grant: GrantFromSignIn, now: Date) => void {
  const upsert = db.prepare(
    `INSERT INTO google_grants (user_id, refresh_token, access_token, access_token_expires_at,
       scope, status, status_reason, created_at, updated_at, refresh_prefix_mac, refresh_hash_mac,
       access_ends_at, requested_scope, access_starts_at)
     VALUES (@userId, @refreshToken, @accessToken, @expiresAt, @scope,
       CASE WHEN @refreshToken IS NULL THEN 'needs_reconnect' ELSE 'connected' END,
       CASE WHEN @refreshToken IS NULL THEN 'no refresh token' END, @now, @now,
       @prefixMac, @hashMac, @endsAt, @requestedScope, @startsAt)
     ON CONFLICT (user_id) DO UPDATE SET
       requested_scope = CASE
         WHEN instr(' ' || requested_scope || ' ', ' ' || excluded.requested_scope || ' ') > 0
         THEN requested_scope ELSE trim(requested_scope || ' ' || excluded.requested_scope) END,
       refresh_token = coalesce(excluded.refresh_token, refresh_token),
       refresh_prefix_mac = CASE WHEN @refreshToken IS NULL THEN refresh_prefix_mac
         ELSE excluded.refresh_prefix_mac END,
       refresh_hash_mac = CASE WHEN @refreshToken IS NULL THEN refresh_hash_mac
         ELSE excluded.refresh_hash_mac END,
       access_ends_at = CASE WHEN @refreshToken IS NULL THEN access_ends_at
         ELSE excluded.access_ends_at END,
       access_starts_at = CASE WHEN @refreshToken IS NULL THEN access_starts_at
         ELSE excluded.access_starts_at END,
       access_token = excluded.access_token,
       access_token_expires_at = excluded.access_token_expires_at,
       scope = excluded.scope,
       status = CASE WHEN @refreshToken IS NULL THEN status ELSE 'connected' END,
       status_reason = CASE WHEN @refreshToken IS NULL THEN status_reason END,
       updated_at = excluded.updated_at`,
  );
  return (userId, grant, now) => {
    upsert.run({
      userId,
      refreshToken: grant.refreshToken,
      accessToken: grant.accessToken,
      expiresAt: grant.accessTokenExpiresAt,
      scope: grant.scope,
      requestedScope: grant.requestedScope ?? '',
      now: now.toISOString(),
      endsAt: grant.accessEndsAt ?? null,
      startsAt: grant.accessStartsAt ?? null,
      ...macParams(grant.refreshTokenMacs),
    });
  };
}

export function createSqliteGrantStore(db: SqliteDatabase): GrantStore {
  const saveFromSignIn = prepareGrantSave(db);
  const byUser = db.prepare<[number], GrantRow>('SELECT * FROM google_grants WHERE user_id = ?');
  // One UPDATE decides who refreshes: SQLite runs it under its write lock, so of two instances
  // racing for an expired lease exactly one sees changes === 1.
  const claim = db.prepare(
    `UPDATE google_grants SET refresh_lease_until = @untilMs
     WHERE user_id = @userId AND (refresh_lease_until IS NULL OR refresh_lease_until <= @nowMs)`,
  );
  const release = db.prepare(
    'UPDATE google_grants SET refresh_lease_until = NULL WHERE user_id = ?',
  );
  const refreshed = db.prepare(
    `UPDATE google_grants SET access_token = @accessToken,
       access_token_expires_at = @expiresAt,
       refresh_token = coalesce(@refreshToken, refresh_token), scope = coalesce(@scope, scope),
       refresh_prefix_mac = CASE WHEN @refreshToken IS NULL THEN refresh_prefix_mac
         ELSE @prefixMac END,
       refresh_hash_mac = CASE WHEN @refreshToken IS NULL THEN refresh_hash_mac ELSE @hashMac END,
       access_ends_at = CASE WHEN @refreshToken IS NULL THEN access_ends_at ELSE @endsAt END,
       access_starts_at = CASE WHEN @refreshToken IS NULL THEN access_starts_at ELSE @startsAt END,
       refreshed_at = @now, updated_at = @now, refresh_lease_until = NULL
     WHERE user_id = @userId AND refresh_token = @refreshedWith`,
  );
  const needsReconnect = db.prepare(
    `UPDATE google_grants SET status = 'needs_reconnect', status_reason = @reason,
       access_token = NULL, access_token_expires_at = NULL, updated_at = @now,
       refresh_lease_until = NULL
     WHERE user_id = @userId AND refresh_token = @refreshedWith`,
  );
  const remove = db.prepare('DELETE FROM google_grants WHERE user_id = ?');
  // updated_at is always toISOString() (fixed width, UTC), so text order is time order.
  const removeUnlessNewer = db.prepare(
    'DELETE FROM google_grants WHERE user_id = ? AND updated_at <= ?',
  );
  const removeByMac = db.prepare<[string, string], { user_id: number }>(
    `DELETE FROM google_grants
     WHERE refresh_prefix_mac IN (SELECT value FROM json_each(?))
        OR refresh_hash_mac IN (SELECT value FROM json_each(?))
     RETURNING user_id`,
  );
  const all = db.prepare<[], SealedRow>(
    `SELECT user_id, refresh_token, access_token, refresh_prefix_mac, refresh_hash_mac
     FROM google_grants ORDER BY user_id`,
  );
  const replace = db.prepare(
    `UPDATE google_grants SET refresh_token = @newRefresh, access_token = @newAccess,
       refresh_prefix_mac = @prefixMac, refresh_hash_mac = @hashMac
     WHERE user_id = @userId AND refresh_token IS @oldRefresh AND access_token IS @oldAccess`,
  );

  return {
    saveFromSignIn: (userId, grant, now) =>
      settle(() => {
        saveFromSignIn(userId, grant, now);
      }),
    find: (userId) =>
      settle(() => {
        const row = byUser.get(userId);
        return row ? toGrant(row) : undefined;
      }),
    claimRefreshLease: (userId, nowMs, untilMs) =>
      settle(() => claim.run({ userId, nowMs, untilMs }).changes === 1),
    releaseRefreshLease: (userId) =>
      settle(() => {
        release.run(userId);
      }),
    saveRefreshed: (userId, grant, now) =>
      settle(() => {
        refreshed.run({
          userId,
          accessToken: grant.accessToken,
          expiresAt: grant.accessTokenExpiresAt,
          refreshToken: grant.refreshToken,
          scope: grant.scope,
          now: now.toISOString(),
          refreshedWith: grant.refreshedWith,
          endsAt: grant.accessEndsAt ?? null,
          startsAt: grant.accessStartsAt ?? null,
          ...macParams(grant.refreshTokenMacs),
        });
      }),
    markNeedsReconnect: (userId, reason, now, refreshedWith) =>
      settle(() => {
        needsReconnect.run({ userId, reason, now: now.toISOString(), refreshedWith });
      }),
    delete: (userId) => settle(() => remove.run(userId).changes === 1),
    deleteUnlessWrittenAfter: (userId, at) =>
      settle(() => removeUnlessNewer.run(userId, at.toISOString()).changes === 1),
    deleteByRefreshTokenMac: (macs) =>
      settle(() => {
        const list = JSON.stringify(macs);
        return removeByMac.all(list, list)[0]?.user_id;
      }),
    listSealed: () => settle(() => all.all().map(toSealed)),
    replaceSealed: (userId, before, after) =>
      settle(
        () =>
          replace.run({
            userId,
            oldRefresh: before.refreshToken,
            oldAccess: before.accessToken,
            newRefresh: after.refreshToken,
            newAccess: after.accessToken,
            ...macParams(after.refreshTokenMacs),
          }).changes === 1,
      ),
  };
}
