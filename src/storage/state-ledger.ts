import { createHash } from 'node:crypto';

/**
 * Remembers which login states were already used. The session alone cannot guarantee single
 * use: two parallel requests read the same session before either writes it back. Claiming the
 * state's hash with one INSERT makes the first request win and every other one fail.
 */
export interface StateLedger {
  /** true for the first claim of this state, false if it was claimed before. */
  claim(state: string, expiresAtMs: number): Promise<boolean>;
  prune(nowMs: number): Promise<void>;
}

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}
