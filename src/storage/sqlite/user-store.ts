import { settle } from '../../core/settle.js';
import type { SqliteDatabase } from './database.js';
import type { GoogleProfile, User, UserStore } from '../user-store.js';

/** A users row as SQLite returns it (also read joined to a session: session-table.ts). */
export interface UserRow {
  id: number;
  google_sub: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  picture: string | null;
  created_at: string;
  updated_at: string;
  last_login_at: string;
}

interface UpsertParams {
  sub: string;
  email: string | null;
  emailVerified: number;
  name: string | null;
  picture: string | null;
  now: string;
}

export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    googleSub: row.google_sub,
    email: row.email,
    emailVerified: row.email_verified === 1,
    name: row.name,
    picture: row.picture,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

/**
 * The sign-in's upsert, synchronous: for the user store and for a sign-in's transaction
 * (sign-in-writes.ts). ON CONFLICT makes concurrent first sign-ins of one account collapse into
 * one row instead of racing a SELECT-then-INSERT.
 */
export function prepareUserUpsert(db: SqliteDatabase): (profile: GoogleProfile, now: Date) => User {
  const upsert = db.prepare<[UpsertParams], UserRow>(
    `INSERT INTO users (google_sub, email, email_verified, name, picture, created_at, updated_at, last_login_at)
     VALUES (@sub, @email, @emailVerified, @name, @picture, @now, @now, @now)
     ON CONFLICT (google_sub) DO UPDATE SET
       email = excluded.email, email_verified = excluded.email_verified, name = excluded.name,
       picture = excluded.picture, updated_at = excluded.updated_at, last_login_at = excluded.last_login_at
     RETURNING *`,
  );
  return (profile, now) => {
    const row = upsert.get({
      sub: profile.sub,
      email: profile.email,
      emailVerified: profile.emailVerified ? 1 : 0,
      name: profile.name,
      picture: profile.picture,
      now: now.toISOString(),
    });
    if (!row) throw new Error('upsert returned no row');
    return userFromRow(row);
  };
}

export function createSqliteUserStore(db: SqliteDatabase): UserStore {
  // Statements are prepared once.
  const upsert = prepareUserUpsert(db);
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  const remove = db.prepare('DELETE FROM users WHERE id = ?');
  const ping = db.prepare('SELECT 1');

  return {
    upsertFromGoogle: (profile, now) => settle(() => upsert(profile, now)),
    findById: (id) =>
      settle(() => {
        const row = byId.get(id);
        return row ? userFromRow(row) : undefined;
      }),
    delete: (id) => settle(() => remove.run(id).changes === 1),
    ping: () =>
      settle(() => {
        ping.get();
      }),
  };
}
