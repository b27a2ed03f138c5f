// Entry point of `npm run rotate-token-keys`: re-seals every stored Google token under the
// first key of TOKEN_ENCRYPTION_KEYS (the same environment as the server).
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { devTokenKeys } from './grants/dev-token-keys.js';
import { rotateTokenKeys } from './grants/rotate-token-keys.js';
import { createTokenCipher } from './grants/token-cipher.js';
import { openStorage } from './start.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const keys = config.tokenEncryptionKeys ?? devTokenKeys(config.dataDir);
  const cipher = createTokenCipher(keys);
  const storage = await openStorage(config, pino({ level: config.logLevel }));
  try {
    const { resealed, current } = await rotateTokenKeys(storage.grants, cipher);
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
