import { randomBytes } from 'node:crypto';

/** One AES-256 key of the ring, named by the id written into every envelope it seals. */
export interface TokenKey {
  id: string;
  key: Buffer;
}

/** A key id: what an envelope names its key by. */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * TOKEN_ENCRYPTION_KEYS: comma-separated `id:base64-of-32-bytes`. Returns the ring, or the
 * problems found (never quoting a key).
 */
export function parseTokenKeys(value: string): { keys: TokenKey[]; problems: string[] } {
  const keys: TokenKey[] = [];
  const problems: string[] = [];
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon);
    const key = Buffer.from(colon === -1 ? '' : entry.slice(colon + 1), 'base64');
    if (!KEY_ID.test(id)) {
      problems.push(
        `TOKEN_ENCRYPTION_KEYS: entry ${index + 1} must be id:base64-key with an id of 1-32 letters, digits, _ or -.`,
      );
    } else if (key.length !== 32) {
      problems.push(`TOKEN_ENCRYPTION_KEYS: key "${id}" must be 32 bytes, base64-encoded.`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`TOKEN_ENCRYPTION_KEYS: key id "${id}" appears twice.`);
    } else {
      keys.push({ id, key });
    }
  }
  if (entries.length === 0) problems.push('TOKEN_ENCRYPTION_KEYS: no key given.');
  return { keys, problems };
}

/** A new random key, in TOKEN_ENCRYPTION_KEYS's `id:base64` form. */
export function generateTokenKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}
