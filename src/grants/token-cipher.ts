import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KEY_ID, type TokenKey } from '../core/token-keys.js';

/** Which stored value a ciphertext belongs to: its row (user) and column. */
export interface TokenSlot {
  userId: number;
  column: 'refresh_token' | 'access_token';
}

/** A ciphertext that cannot be opened: unknown key id, tampered, moved to another row or column. */
export class TokenCipherError extends Error {
  constructor(reason: string) {
    super(`Cannot decrypt a stored Google token: ${reason}`);
    this.name = 'TokenCipherError';
  }
}

export interface TokenCipher {
  /** The id of the key that seals (the ring's first). */
  readonly currentKeyId: string;
  seal(plaintext: string, slot: TokenSlot): string;
  /** Throws TokenCipherError unless the envelope was sealed for exactly this slot by a known key. */
  open(envelope: string, slot: TokenSlot): string;
  /** The key id an envelope names (rotation re-seals the ones not under the current key). */
  keyIdOf(envelope: string): string;
}

const VERSION = 'v1';
const IV_BYTES = 12; // GCM's recommended nonce size (NIST SP 800-38D §8.2)
const TAG_BYTES = 16;

/**
 * The associated data: GCM authenticates it without storing it, so a ciphertext copied to
 * another user's row or to the other column (or relabelled with another key id) fails to open.
 */
function associatedData(version: string, keyId: string, slot: TokenSlot): Buffer {
  return Buffer.from(`gconnect/google_grants/${version}/${keyId}/${slot.column}/${slot.userId}`);
}

/**
 * AES-256-GCM for Google tokens at rest, in a versioned envelope
 * `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url parts). The first key of the ring seals;
 * every key opens, so keys can be rotated without a flag day.
 */
export function createTokenCipher(keys: readonly TokenKey[]): TokenCipher {
  const current = keys[0];
  if (!current) throw new Error('The token key ring is empty.');
  const ring = new Map(keys.map((k) => [k.id, k.key]));

  return {
    currentKeyId: current.id,
    seal(plaintext, slot) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(VERSION, current.id, slot));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, current.id, iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(envelope, slot) {
      const { keyId, iv, ciphertext, tag } = parseEnvelope(envelope);
      // Fail closed: a key id we do not hold is never guessed at or skipped.
      const key = ring.get(keyId);
      if (!key) throw new TokenCipherError(`unknown key id "${keyId}"`);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(VERSION, keyId, slot));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new TokenCipherError('authentication failed (tampered, or not sealed for this row)');
      }
    },
    keyIdOf(envelope) {
      return parseEnvelope(envelope).keyId;
    },
  };
}

function parseEnvelope(envelope: string): {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
} {
  const [version, keyId, iv, ciphertext, tag, ...rest] = envelope.split('.');
  if (version !== VERSION || rest.length > 0 || keyId === undefined || !KEY_ID.test(keyId)) {
    throw new TokenCipherError('not a v1 envelope');
  }
  const parts = [iv, ciphertext, tag].map((p) => Buffer.from(p ?? '', 'base64url'));
  const [ivBytes, ctBytes, tagBytes] = parts as [Buffer, Buffer, Buffer];
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
    throw new TokenCipherError('malformed envelope');
  }
  return { keyId, iv: ivBytes, ciphertext: ctBytes, tag: tagBytes };
}
