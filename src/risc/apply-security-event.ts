import type { Logger } from 'pino';
import type { GoogleGrants } from '../grants/google-grants.js';
import type { AccountSecurityStore } from '../storage/account-security.js';
import type { SecurityLog } from '../storage/security-log.js';
import type { SecurityEvent, TokenIdentifier } from './security-events.js';

export interface ApplyDeps {
  accounts: AccountSecurityStore;
  /** The users' stored Google grants: Google revoking the tokens makes them useless. */
  grants: Pick<GoogleGrants, 'forgetRevoked' | 'forgetByRefreshToken'>;
  securityLog: Pick<SecurityLog, 'record'>;
  logger: Logger;
}

/** When Google issued the event. */
export interface IssuedAt {
  /** What revocations reach: the end of the `iat` second, never beyond our clock (ms). */
  reachMs: number;
  /** The `iat` itself (ms): the order in which Google issued the account's state signals. */
  iatMs: number;
}

/** What an event did, for the log: never a token or token identifier. */
export type Outcome = 'applied' | 'unknown-user' | 'logged' | 'unsupported';

/**
 * Acts on one Cross-Account Protection event. Every action is idempotent and keyed to the
 * token's `iat`, not the arrival time: a late or repeated `sessions-revoked` ends the sessions
 * that existed when Google revoked them, never a session the user started afterwards; an
 * `account-enabled` issued before an `account-disabled` already applied changes nothing.
 */
export async function applySecurityEvent(
  deps: ApplyDeps,
  event: SecurityEvent,
  issued: IssuedAt,
): Promise<Outcome> {
  const issuedAtMs = issued.reachMs;
  switch (event.type) {
    case 'verification':
      deps.logger.info(
        { risc: { type: event.type, state: event.state } },
        'RISC verification event',
      );
      return 'logged';
    case 'unknown':
      deps.logger.warn({ risc: { uri: event.uri } }, 'RISC event of an unknown type ignored');
      return 'unsupported';
    case 'token-revoked':
      return forgetRevokedToken(deps, event.tokenIdentifier, issuedAtMs);
    default:
      break;
  }
  const sub = event.googleSub;
  if (sub === undefined) return 'unknown-user';
  // Kept by `sub` even without a user: an account deleted before the event still gets refused.
  if (event.type === 'account-disabled' || event.type === 'account-enabled') {
    const reason = event.type === 'account-disabled' ? (event.reason ?? 'disabled') : null;
    if (!(await deps.accounts.setSignInState(sub, reason, issued.iatMs))) {
      deps.logger.info({ risc: { type: event.type } }, 'RISC event older than the state applied');
    }
  }
  const userId = await deps.accounts.findUserId(sub);
  if (userId === undefined) return 'unknown-user';
  switch (event.type) {
    case 'sessions-revoked':
      await deps.accounts.revokeSessions(userId, issuedAtMs);
      break;
    case 'tokens-revoked':
      await deps.accounts.revokeSessions(userId, issuedAtMs);
      // The stored refresh token is dead at Google: no refresh is tried with it again.
      await deps.grants.forgetRevoked(userId, issuedAtMs);
      break;
    case 'account-disabled':
      // Hijacked: whoever holds a session may be the attacker. Otherwise only new sign-ins stop.
      // (The sessions that existed at `iat` end whatever order the events arrive in.)
      if (event.reason === 'hijacking') await deps.accounts.revokeSessions(userId, issuedAtMs);
      break;
    case 'account-enabled':
      break;
    case 'account-credential-change-required':
      await deps.accounts.flagCredentialChange(userId, issuedAtMs);
      break;
  }
  await deps.securityLog.record(userId, {
    kind: 'google-event',
    detail: event.type,
    atMs: issuedAtMs,
  });
  deps.logger.info({ risc: { type: event.type, userId } }, 'RISC event applied');
  return 'applied';
}

/**
 * token-revoked names one refresh token, by prefix or double SHA-512: the grant whose stored
 * keyed hash matches is deleted (Google no longer honours it). The sessions stay.
 */
async function forgetRevokedToken(
  deps: ApplyDeps,
  identifier: TokenIdentifier | undefined,
  issuedAtMs: number,
): Promise<Outcome> {
  const userId = identifier
    ? await deps.grants.forgetByRefreshToken(identifier.alg, identifier.value)
    : undefined;
  if (userId === undefined) {
    deps.logger.info({ risc: { type: 'token-revoked' } }, 'RISC token-revoked matched no grant');
    return 'unknown-user';
  }
  await deps.securityLog.record(userId, {
    kind: 'google-event',
    detail: 'token-revoked',
    atMs: issuedAtMs,
  });
  deps.logger.info({ risc: { type: 'token-revoked', userId } }, 'RISC event applied');
  return 'applied';
}
