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
  // Cross-Account Protection: per-user signals from Google, and the SET ids already acted on.
  `CREATE TABLE account_security (
     user_id                       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
     sessions_revoked_at           INTEGER,
     signin_disabled_reason        TEXT,
     credential_change_required_at INTEGER
   );
   CREATE TABLE security_events (
     jti_hash   TEXT    PRIMARY KEY,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX security_events_expires_at ON security_events (expires_at);`,
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

/** True when the database is at the schema version this code expects (readiness). */
export function isSchemaCurrent(db: Database.Database): boolean {
  return db.pragma('user_version', { simple: true }) === MIGRATIONS.length;
}
