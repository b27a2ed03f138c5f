import type pg from 'pg';
import {
  jtiHash,
  type AccountSecurityStore,
  type SecurityEventLedger,
} from '../account-security.js';

interface Row {
  sessions_revoked_at: string | null;
  credential_change_required_at: string | null;
}

const msOrNull = (v: string | null) => (v === null ? null : Number(v));

export function createPgAccountSecurityStore(pool: pg.Pool): AccountSecurityStore {
  return {
    async findUserId(googleSub) {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM users WHERE google_sub = $1',
        [googleSub],
      );
      return rows[0] && Number(rows[0].id);
    },
    async get(userId) {
      const { rows } = await pool.query<Row>(
        `SELECT sessions_revoked_at, credential_change_required_at
         FROM account_security WHERE user_id = $1`,
        [userId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        sessionsRevokedAt: msOrNull(row.sessions_revoked_at),
        credentialChangeRequiredAt: msOrNull(row.credential_change_required_at),
      };
    },
    async revokeSessions(userId, atMs) {
      // GREATEST keeps the latest revocation when events arrive out of order.
      await pool.query(
        `INSERT INTO account_security (user_id, sessions_revoked_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET sessions_revoked_at =
           GREATEST(COALESCE(account_security.sessions_revoked_at, 0), excluded.sessions_revoked_at)`,
        [userId, atMs],
      );
    },
    async setSignInState(googleSub, reason, issuedAtMs) {
      // One statement: of two signals racing, the one Google issued later stands.
      const { rowCount } = await pool.query(
        `INSERT INTO google_account_states AS s (google_sub, signin_disabled_reason, state_issued_at)
         VALUES ($1, $2, $3)
         ON CONFLICT (google_sub) DO UPDATE SET
           signin_disabled_reason = excluded.signin_disabled_reason,
           state_issued_at = excluded.state_issued_at
         WHERE excluded.state_issued_at >= s.state_issued_at`,
        [googleSub, reason, issuedAtMs],
      );
      return rowCount === 1;
    },
    async signInDisabledReason(googleSub) {
      const { rows } = await pool.query<{ reason: string | null }>(
        'SELECT signin_disabled_reason AS reason FROM google_account_states WHERE google_sub = $1',
        [googleSub],
      );
      return rows[0]?.reason ?? undefined;
    },
    async flagCredentialChange(userId, atMs) {
      await pool.query(
        `INSERT INTO account_security (user_id, credential_change_required_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET credential_change_required_at = GREATEST(
           COALESCE(account_security.credential_change_required_at, 0),
           excluded.credential_change_required_at)`,
        [userId, atMs],
      );
    },
  };
}

export function createPgSecurityEventLedger(pool: pg.Pool): SecurityEventLedger {
  return {
    async claim(jti, expiresAtMs) {
      const { rowCount } = await pool.query(
        'INSERT INTO security_events (jti_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [jtiHash(jti), expiresAtMs],
      );
      return rowCount === 1;
    },
    async release(jti) {
      await pool.query('DELETE FROM security_events WHERE jti_hash = $1', [jtiHash(jti)]);
    },
    async prune(nowMs) {
      await pool.query('DELETE FROM security_events WHERE expires_at <= $1', [nowMs]);
    },
  };
}
