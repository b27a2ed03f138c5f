import type { RequestHandler } from 'express';
import type { UserStore } from '../storage/user-store.js';

/** GET /healthz: 200 when the database answers, 503 otherwise. */
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
