import { Router } from 'express';
import { createFixedWindowLimiter, rateLimit } from '../../http/rate-limit.js';
import { healthz, readyz, type Readiness } from './health.js';
import { readSecurityEventToken, riscReceiver, type RiscDeps } from './risc.js';
import { createSecurityEventVerifier } from '../../risc/verify-security-event.js';
import type { UserStore } from '../../storage/user-store.js';

export interface OperationsRouterDeps extends Omit<RiscDeps, 'verify'> {
  users: UserStore;
  readiness: Readiness;
  /** Cross-Account Protection's discovery document, and our client ID as its tokens' audience. */
  risc: { discoveryUrl: string; audience: string; timeoutMs: number };
}

/**
 * What machines call: probes, and Google's security events. Mounted before the session, so none
 * of these reads a cookie or costs a session lookup.
 */
export function operationsRouter(deps: OperationsRouterDeps): Router {
  const { users, readiness, risc, ...receiver } = deps;
  const router = Router();
  router.get('/healthz', healthz(users));
  // Google's security events: no session, no cookie; the token's signature is the authentication.
  router.post(
    '/risc',
    rateLimit(createFixedWindowLimiter({ limit: 600, windowMs: 60_000, now: deps.now })),
    readSecurityEventToken,
    riscReceiver({ ...receiver, verify: createSecurityEventVerifier({ ...risc, now: deps.now }) }),
  );
  router.get('/readyz', readyz(readiness));
  // Browsers ask for /favicon.ico whatever the page links; answer with the SVG, not a 404.
  router.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'));
  return router;
}
