import { DEV_CLIENT } from './dev-client.js';
import type { EmulatorOptions } from './emulator.js';
import { ACCESS_TOKEN_LIFETIME_S } from '../oauth/grants.js';

export class EmulatorConfigError extends Error {}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    problems.push(`${name} must be an integer from 0 to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

/** Reads the emulator's environment; every problem is named in one error. */
export function readEmulatorEnv(
  env: NodeJS.ProcessEnv,
): EmulatorOptions & { host: string; port: number } {
  const problems: string[] = [];
  const port = integer(env, 'EMULATOR_PORT', 4000, 65_535, problems);
  const delayMs = integer(env, 'EMULATOR_DELAY_MS', 0, 60_000, problems);
  const accessTokenLifetimeSeconds = integer(
    env,
    'EMULATOR_ACCESS_TOKEN_SECONDS',
    ACCESS_TOKEN_LIFETIME_S,
    86_400,
    problems,
  );
  if (accessTokenLifetimeSeconds === 0) {
    problems.push('EMULATOR_ACCESS_TOKEN_SECONDS must be at least 1');
  }
  const host = env.EMULATOR_HOST || '127.0.0.1';
  const clientId = env.GOOGLE_CLIENT_ID || undefined;
  const clientSecret = env.GOOGLE_CLIENT_SECRET || undefined;
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    problems.push(
      'set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither (to use the dev client)',
    );
  }
  if (problems.length > 0)
    throw new EmulatorConfigError(`Invalid emulator configuration: ${problems.join('; ')}`);
  return {
    host,
    port,
    delayMs,
    accessTokenLifetimeSeconds,
    nodeEnv: env.NODE_ENV,
    clients: [clientId && clientSecret ? { clientId, clientSecret } : { ...DEV_CLIENT }],
  };
}
