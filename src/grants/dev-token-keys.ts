import { join } from 'node:path';
import { devSecretFile } from '../core/session-secret.js';
import { generateTokenKey, parseTokenKeys, type TokenKey } from '../core/token-keys.js';

/**
 * Outside production, a token key made once and kept beside the database (like the session
 * secret), so tokens stored by one run open in the next. Production requires
 * TOKEN_ENCRYPTION_KEYS: a key in the data folder would sit next to the ciphertexts it protects.
 */
export function devTokenKeys(dataDir: string): TokenKey[] {
  const value = devSecretFile(
    join(dataDir, 'token-encryption-keys'),
    () => generateTokenKey('dev1'),
    (existing) => parseTokenKeys(existing).problems.length === 0,
  );
  return parseTokenKeys(value).keys;
}
