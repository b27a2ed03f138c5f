import { createHash } from 'node:crypto';
import { randomToken } from './state.js';

export interface PkcePair {
  /** Kept server-side in the session; sent only to the token endpoint. */
  verifier: string;
  /** Sent in the authorization URL, with method S256. */
  challenge: string;
}

/**
 * RFC 7636 with S256: a code intercepted on its way back to us is useless without the verifier.
 * 32 random bytes in base64url make a 43-character verifier, the shortest the RFC allows.
 */
export function createPkcePair(): PkcePair {
  const verifier = randomToken();
  return { verifier, challenge: s256Challenge(verifier) };
}

export function s256Challenge(verifier: string): string {
  // The verifier is base64url, so ASCII and the default UTF-8 give the same bytes (an
  // equivalent mutant: the encoding is named for the reader).
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
