import type Database from 'better-sqlite3';

/**
 * Versioned schema changes, applied in order at start. Never edit a shipped entry:
 * add a new one. The applied version is kept in SQLite's `user_version`.
 */
const MIGRATIONS: readonly string[] = [
  // 1: users keyed by Google's stable `sub` (email can change hands), sessions, used states.
  `CREATE TABLE users (
     id             INTEGER PRIMARY KEY,
     google_sub     TEXT    NOT NULL UNIQUE,
     email          TEXT,
     email_verified INTEGER NOT NULL DEFAULT 0,
     name           TEXT,
     picture        TEXT,
     created_at     TEXT    NOT NULL,
     updated_at     TEXT    NOT NULL,
     last_login_at  TEXT    NOT NULL
   );
   CREATE TABLE sessions (
     sid        TEXT    PRIMARY KEY,
     sess       TEXT    NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX sessions_expires_at ON sessions (expires_at);
   CREATE TABLE used_states (
     state_hash TEXT    PRIMARY KEY,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX used_states_expires_at ON used_states (expires_at);`,
  // google_grants: the user's Google grant for offline access. Tokens only as AES-256-GCM
  // envelopes (src/grants/token-cipher.ts), never plaintext. refresh_lease_until: one refresh
  // at a time per user, across instances (src/grants/google-grants.ts).
  `CREATE TABLE google_grants (
     user_id                 INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
     refresh_token           TEXT,
     access_token            TEXT,
     access_token_expires_at INTEGER,
     scope                   TEXT    NOT NULL,
     status                  TEXT    NOT NULL CHECK (status IN ('connected', 'needs_reconnect')),
     status_reason           TEXT,
     created_at              TEXT    NOT NULL,
     updated_at              TEXT    NOT NULL,
     refreshed_at            TEXT,
     refresh_lease_until     INTEGER
   );`,
];

export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version] as string;
    // Each step and its version bump commit together, so a crash never leaves half a step.
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}
