import type { SqliteDatabase } from './database.js';
import { settle } from '../../core/settle.js';
import {
  jtiHash,
  type AccountSecurityStore,
  type SecurityEventLedger,
} from '../account-security.js';

interface Row {
  sessions_revoked_at: number | null;
  credential_change_required_at: number | null;
}

export function createSqliteAccountSecurityStore(db: SqliteDatabase): AccountSecurityStore {
  const byUser = db.prepare<[number], Row>(
    `SELECT sessions_revoked_at, credential_change_required_at
     FROM account_security WHERE user_id = ?`,
  );
  // MAX keeps the latest revocation when events arrive out of order.
  const revoke = db.prepare(
    `INSERT INTO account_security (user_id, sessions_revoked_at) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET sessions_revoked_at =
       MAX(COALESCE(sessions_revoked_at, 0), excluded.sessions_revoked_at)`,
  );
  // One statement: of two signals racing, the one Google issued later stands.
  const setState = db.prepare(
    `INSERT INTO google_account_states (google_sub, signin_disabled_reason, state_issued_at)
     VALUES (@sub, @reason, @issuedAt)
     ON CONFLICT (google_sub) DO UPDATE SET
       signin_disabled_reason = excluded.signin_disabled_reason,
       state_issued_at = excluded.state_issued_at
     WHERE excluded.state_issued_at >= state_issued_at`,
  );
  const disabledReason = db.prepare<[string], { reason: string | null }>(
    'SELECT signin_disabled_reason AS reason FROM google_account_states WHERE google_sub = ?',
  );
  const flag = db.prepare(
    `INSERT INTO account_security (user_id, credential_change_required_at) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET credential_change_required_at =
       MAX(COALESCE(credential_change_required_at, 0), excluded.credential_change_required_at)`,
  );
  const userIdBySub = db.prepare<[string], { id: number }>(
    'SELECT id FROM users WHERE google_sub = ?',
  );
  return {
    findUserId: (googleSub) =>
      settle(() => {
        return userIdBySub.get(googleSub)?.id;
      }),
    get: (userId) =>
      settle(() => {
        const row = byUser.get(userId);
        if (!row) return undefined;
        return {
          sessionsRevokedAt: row.sessions_revoked_at,
          credentialChangeRequiredAt: row.credential_change_required_at,
        };
      }),
    revokeSessions: (userId, atMs) =>
      settle(() => {
        revoke.run(userId, atMs);
      }),
    setSignInState: (sub, reason, issuedAt) =>
      settle(() => setState.run({ sub, reason, issuedAt }).changes === 1),
    signInDisabledReason: (sub) => settle(() => disabledReason.get(sub)?.reason ?? undefined),
    flagCredentialChange: (userId, atMs) =>
      settle(() => {
        flag.run(userId, atMs);
      }),
  };
}

export function createSqliteSecurityEventLedger(db: SqliteDatabase): SecurityEventLedger {
  const insert = db.prepare(
    'INSERT INTO security_events (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  const remove = db.prepare('DELETE FROM security_events WHERE jti_hash = ?');
  const prune = db.prepare('DELETE FROM security_events WHERE expires_at <= ?');
  return {
    claim: (jti, expiresAtMs) =>
      settle(() => {
        return insert.run(jtiHash(jti), expiresAtMs).changes === 1;
      }),
    release: (jti) =>
      settle(() => {
        remove.run(jtiHash(jti));
      }),
    prune: (nowMs) =>
      settle(() => {
        prune.run(nowMs);
      }),
  };
}
