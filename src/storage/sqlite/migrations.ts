import type Database from 'better-sqlite3';

/**
 * Versioned schema changes, applied in order at start. Never edit a shipped entry:
 * add a new one. The applied version is kept in SQLite's `user_version`.
 *
 * To add a table: append a step here AND in pg/migrations.ts (same number), declare its
 * interface, write a SQLite and a PostgreSQL implementation, add both to storage.ts's
 * open functions, and add its cases to test/storage/contract.test.ts (run on both engines).
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
  // 2: Cross-Account Protection: per-user signals from Google, and the SET ids already acted on.
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
  // 3: failed sign-in attempts per client address and minute (the rate limiter).
  `CREATE TABLE failed_sign_ins (
     client_key   TEXT    NOT NULL,
     window_start INTEGER NOT NULL,
     failures     INTEGER NOT NULL,
     PRIMARY KEY (client_key, window_start)
   ) WITHOUT ROWID;
   CREATE INDEX failed_sign_ins_window_start ON failed_sign_ins (window_start);`,
  // 4: google_grants: the user's Google grant for offline access. Tokens only as AES-256-GCM
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
  // 5: the session index: whose session it is, its public id (listed to the user instead of the
  // session id), when it was created and last seen. Sessions signed in before get an id now.
  `ALTER TABLE sessions ADD COLUMN user_id INTEGER;
   ALTER TABLE sessions ADD COLUMN public_id TEXT;
   ALTER TABLE sessions ADD COLUMN created_at INTEGER;
   ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
   UPDATE sessions SET user_id = json_extract(sess, '$.userId'),
     public_id = lower(hex(randomblob(16)))
     WHERE json_extract(sess, '$.userId') IS NOT NULL;
   CREATE INDEX sessions_user_id ON sessions (user_id);
   CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);`,
  // 6: the user's security log (sign-ins, sign-outs, sessions ended, Google's events), bounded
  // per user by the store; deleted with the user.
  `CREATE TABLE security_log (
     id      INTEGER PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     kind    TEXT    NOT NULL,
     detail  TEXT,
     at      INTEGER NOT NULL
   );
   CREATE INDEX security_log_user_at ON security_log (user_id, at);`,
  // 7: keyed hashes (HMAC) of the refresh token's two Google identifiers, so a Cross-Account
  // Protection token-revoked event finds its grant (src/grants/refresh-token-macs.ts).
  `ALTER TABLE google_grants ADD COLUMN refresh_prefix_mac TEXT;
   ALTER TABLE google_grants ADD COLUMN refresh_hash_mac TEXT;
   CREATE INDEX google_grants_refresh_prefix_mac ON google_grants (refresh_prefix_mac);
   CREATE INDEX google_grants_refresh_hash_mac ON google_grants (refresh_hash_mac);`,
  // 8: Google's account-disabled/account-enabled state, keyed by Google's `sub` with no link to
  // the user row: deleting the account does not lift Google's refusal (a hijacker could delete
  // it and sign straight back in). state_issued_at is the `iat` (ms) of the signal applied last,
  // so an older signal delivered late changes nothing. The refusals recorded so far move here;
  // account_security.signin_disabled_reason is no longer read.
  `CREATE TABLE google_account_states (
     google_sub             TEXT    PRIMARY KEY,
     signin_disabled_reason TEXT,
     state_issued_at        INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT INTO google_account_states (google_sub, signin_disabled_reason, state_issued_at)
     SELECT u.google_sub, a.signin_disabled_reason, 0
     FROM account_security a JOIN users u ON u.id = a.user_id
     WHERE a.signin_disabled_reason IS NOT NULL;`,
  // 9: when the refresh token stops working (ms), for access the user granted for a limited time
  // (Google's refresh_token_expires_in); NULL when Google gave no end.
  `ALTER TABLE google_grants ADD COLUMN access_ends_at INTEGER;`,
  // 10: the scopes the authorization requests asked for, accumulated over sign-in and connects
  // (space-separated); with `scope` (what Google granted) it tells what the user unticked.
  `ALTER TABLE google_grants ADD COLUMN requested_scope TEXT NOT NULL DEFAULT '';`,
  // 11: when the current time-limited access began (ms): its refresh token's issue, set with
  // access_ends_at, so "Renew access" is offered in proportion to the access's own lifetime. Rows
  // from before stay NULL (their lifetime is unknown: the account page keeps the 3.5-day rule).
  `ALTER TABLE google_grants ADD COLUMN access_starts_at INTEGER;`,
];

/**
 * Applies the missing steps. Each step reads the version and applies the next one inside one
 * BEGIN IMMEDIATE transaction: a second process starting on the same fresh file waits for the
 * write lock (busy_timeout), then sees the version the first one committed, instead of
 * re-running a step it read as missing ("table users already exists").
 */
export function migrate(db: Database.Database): number {
  const applyNextStep = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    const sql = MIGRATIONS[version];
    if (sql === undefined) return false;
    db.exec(sql);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  // Up to date: nothing to lock (a start must not wait on, or fail for, another writer's lock).
  // Behind: each step takes the write lock first and re-reads the version inside it.
  if (isSchemaCurrent(db)) return MIGRATIONS.length;
  while (applyNextStep.immediate()) {
    // one committed step per round
  }
  return MIGRATIONS.length;
}

/** The schema version this code expects (readiness: migrations current). */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** True when the database is at the schema version this code expects (readiness). */
export function isSchemaCurrent(db: Database.Database): boolean {
  return db.pragma('user_version', { simple: true }) === SQLITE_SCHEMA_VERSION;
}
