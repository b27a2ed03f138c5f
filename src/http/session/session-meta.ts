import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { truncatedAddress } from './client-address.js';
import { deviceLabel } from './device-label.js';

/** What the user's session list shows of a session; set once, at sign-in. */
export interface SessionMeta {
  /**
   * The session's name in the list and in revoke URLs: 128 random bits, unrelated to the
   * session id, so listing sessions never hands out a cookie's value.
   */
  publicId: string;
  device: string | null;
  address: string | null;
}

/** Describes the browser signing in now. */
export function describeSession(req: Request): SessionMeta {
  return {
    publicId: randomBytes(16).toString('base64url'),
    device: deviceLabel(req.get('user-agent')),
    address: truncatedAddress(req.ip),
  };
}
