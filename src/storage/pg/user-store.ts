import type pg from 'pg';
import type { GoogleProfile, User, UserStore } from '../user-store.js';

/** A users row as node-postgres returns it (also read joined to a session: session-table.ts). */
export interface PgUserRow {
  id: string;
  google_sub: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  picture: string | null;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date;
}

export function userFromPgRow(row: PgUserRow): User {
  return {
    id: Number(row.id),
    googleSub: row.google_sub,
    email: row.email,
    emailVerified: row.email_verified,
    name: row.name,
    picture: row.picture,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastLoginAt: row.last_login_at.toISOString(),
  };
}

/**
 * The sign-in's upsert (the user store's and a sign-in's transaction's, sign-in-writes.ts). ON
 * CONFLICT makes concurrent first sign-ins of one account, on any instance, one row.
 */
export const PG_UPSERT_USER = `INSERT INTO users (google_sub, email, email_verified, name, picture, created_at, updated_at, last_login_at)
  VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
  ON CONFLICT (google_sub) DO UPDATE SET
    email = excluded.email, email_verified = excluded.email_verified, name = excluded.name,
    picture = excluded.picture, updated_at = excluded.updated_at, last_login_at = excluded.last_login_at
  RETURNING *`;

export function upsertParams(profile: GoogleProfile, now: Date): unknown[] {
  return [profile.sub, profile.email, profile.emailVerified, profile.name, profile.picture, now];
}

export function createPgUserStore(pool: pg.Pool): UserStore {
  return {
    async upsertFromGoogle(profile, now) {
      const { rows } = await pool.query<PgUserRow>(PG_UPSERT_USER, upsertParams(profile, now));
      if (!rows[0]) throw new Error('upsert returned no row');
      return userFromPgRow(rows[0]);
    },
    async findById(id) {
      const { rows } = await pool.query<PgUserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return rows[0] && userFromPgRow(rows[0]);
    },
    async delete(id) {
      const { rowCount } = await pool.query('DELETE FROM users WHERE id = $1', [id]);
      return rowCount === 1;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
  };
}
