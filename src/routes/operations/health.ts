import type { RequestHandler } from 'express';
import type { UserStore } from '../../storage/user-store.js';

/** What GET /readyz asks before it tells a load balancer to send traffic here. */
export interface Readiness {
  /** True from the moment shutdown begins: no new work should be sent to this instance. */
  isDraining(): boolean;
  /** Resolves when the database answers with the schema this code expects; rejects otherwise. */
  checkDatabase(): Promise<void>;
}

/** GET /healthz (liveness): 200 when the database answers, 503 otherwise. */
export function healthz(users: UserStore): RequestHandler {
  return async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await users.ping();
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  };
}

/**
 * GET /readyz (readiness): 200 only when this instance should get new requests. Draining comes
 * first and needs no database, so a load balancer sees it at once.
 */
export function readyz(readiness: Readiness): RequestHandler {
  return async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (readiness.isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    try {
      await readiness.checkDatabase();
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  };
}
