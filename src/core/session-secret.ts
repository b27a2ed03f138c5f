import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Outside production, a session secret made once and kept beside the database, so restarts
 * keep people signed in without anyone having to invent a secret.
 */
export function devSessionSecret(dataDir: string): string {
  return devSecretFile(
    join(dataDir, 'session-secret'),
    () => randomBytes(32).toString('base64url'),
    (existing) => existing.length >= 32,
  );
}

/** The secret kept in `path`, made with `create` (mode 0600) the first time or when not `usable`. */
export function devSecretFile(
  path: string,
  create: () => string,
  usable: (existing: string) => boolean,
): string {
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (usable(existing)) return existing;
  } catch {
    // not made yet
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = create();
  writeFileSync(path, secret + '\n', { mode: 0o600 });
  return secret;
}
