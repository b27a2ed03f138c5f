// Entry point of `npm run rotate-token-keys`: re-seals every stored Google token, and re-keys
// its refresh token's identifier hashes, under the first key of TOKEN_ENCRYPTION_KEYS (the same
// environment as the server).
import pino from 'pino';
import { loadConfigOrExit } from './config-or-exit.js';
import { devTokenKeys } from '../grants/dev-token-keys.js';
import { createRefreshTokenMacer } from '../grants/refresh-token-macs.js';
import { rotateTokenKeys } from '../grants/rotate-token-keys.js';
import { createTokenCipher } from '../grants/token-cipher.js';
import { openStorage } from '../composition/create-gconnect.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const keys = config.tokenEncryptionKeys ?? devTokenKeys(config.dataDir);
  const cipher = createTokenCipher(keys);
  const storage = await openStorage(config, pino({ level: config.logLevel }));
  try {
    const { resealed, current } = await rotateTokenKeys(
      storage.grants,
      cipher,
      createRefreshTokenMacer(keys),
    );
    console.log(
      `Google tokens: ${resealed} grant(s) re-encrypted under key "${cipher.currentKeyId}", ${current} already under it.`,
    );
  } finally {
    await storage.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
