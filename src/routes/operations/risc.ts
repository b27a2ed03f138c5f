import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Messages } from '../../core/errors.js';
import type { GoogleGrants } from '../../grants/google-grants.js';
import { applySecurityEvent } from '../../risc/apply-security-event.js';
import {
  MAX_EVENT_AGE_S,
  SecurityEventError,
  SecurityEventUnavailableError,
  type VerifySecurityEvent,
} from '../../risc/verify-security-event.js';
import type { SecurityLog } from '../../storage/security-log.js';
import type { AccountSecurityStore, SecurityEventLedger } from '../../storage/account-security.js';

export interface RiscDeps {
  verify: VerifySecurityEvent;
  accounts: AccountSecurityStore;
  grants: Pick<GoogleGrants, 'forgetRevoked' | 'forgetByRefreshToken'>;
  securityLog: Pick<SecurityLog, 'record'>;
  ledger: SecurityEventLedger;
  logger: Logger;
  now: () => number;
}

/** A SET is a few hundred bytes; nothing larger is read. */
export const readSecurityEventToken = express.text({
  type: ['application/secevent+jwt', 'application/jwt', 'text/plain'],
  limit: '8kb',
});

/**
 * POST /risc: Google's Cross-Account Protection push endpoint (RFC 8935). 202 when the token
 * verifies (a replayed `jti` included: it was already handled), 400 with an RFC 8935 error code
 * when it does not, 503 when Google's keys cannot be read (Google retries).
 */
export function riscReceiver(deps: RiscDeps): RequestHandler {
  return async (req, res) => {
    if (typeof req.body !== 'string' || req.body.length === 0) {
      res.status(400).json({ err: 'invalid_request', description: Messages.setBodyExpected });
      return;
    }
    let verified;
    try {
      verified = await deps.verify(req.body.trim());
    } catch (err) {
      if (err instanceof SecurityEventError) {
        deps.logger.warn({ risc: { err: err.code } }, 'RISC event refused');
        res.status(400).json({ err: err.code, description: Messages.invalidSecurityEventToken });
        return;
      }
      if (err instanceof SecurityEventUnavailableError) {
        res.status(503).json({ err: 'temporarily_unavailable' });
        return;
      }
      throw err;
    }
    // `iat` has whole seconds: the revocation covers the whole second it names, never the future.
    const issued = {
      reachMs: Math.min(verified.issuedAt * 1000 + 999, deps.now()),
      iatMs: verified.issuedAt * 1000,
    };
    const expiresAt = deps.now() + (MAX_EVENT_AGE_S + 600) * 1000;
    if (!(await deps.ledger.claim(verified.jti, expiresAt))) {
      res.status(202).end();
      return;
    }
    try {
      for (const event of verified.events) await applySecurityEvent(deps, event, issued);
    } catch (err) {
      // Not acted on: forget the jti so Google's retry is handled, not taken for a replay.
      await deps.ledger.release(verified.jti);
      throw err;
    }
    res.status(202).end();
  };
}
