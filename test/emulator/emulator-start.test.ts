/**
 * The emulator's public entry (`gconnect-express/emulator`): startEmulator() with no options,
 * signIn() against an app configured from its result, and the control API's security events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEV_CLIENT,
  signIn,
  SignInError,
  startEmulator,
  type StartedEmulator,
} from '../../emulator/index.js';
import { optionsFromEnv } from '../../src/config/from-env.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { capturingLogger } from '../support/logs.js';

let google: StartedEmulator;
let app: RunningServer;
let dataDir: string;

beforeAll(async () => {
  google = await startEmulator();
  dataDir = mkdtempSync(join(tmpdir(), 'gconnect-emulator-start-'));
  const config = optionsFromEnv({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: `file:${join(dataDir, 'app.db')}`,
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_EMULATOR_URL: google.url,
    GOOGLE_TIMEOUT_MS: '3000',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  app = await startServer(config, { logger: capturingLogger('silent', () => {}) });
});

afterAll(async () => {
  await app?.close();
  await google?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signedInAs(cookie: string): Promise<string | undefined> {
  const res = await fetch(`${app.url}/me`, { headers: { cookie } });
  return res.status === 200 ? ((await res.json()) as { email: string }).email : undefined;
}

describe('startEmulator() with no options', () => {
  it('then it listens on a free loopback port and names its own client and test accounts', () => {
    expect(google.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect({ clientId: google.clientId, clientSecret: google.clientSecret }).toEqual(DEV_CLIENT);
    expect(google.accounts.map((a) => a.email)).toContain('alice@example.com');
  });

  it('when started twice, then each has its own port', async () => {
    const other = await startEmulator();
    try {
      expect(other.url).not.toBe(google.url);
    } finally {
      await other.close();
    }
  });

  it('when NODE_ENV is production, then it refuses to start', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      await expect(startEmulator()).rejects.toThrow(/refuses to run with NODE_ENV=production/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('when asked for a non-loopback host, then it refuses to start', async () => {
    await expect(startEmulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
  });
});

describe('signIn() against an app configured from startEmulator()', () => {
  it('then the returned cookie is a signed-in session of that account', async () => {
    const { cookie, response } = await signIn(google, app.url, { account: 'bob@example.org' });
    expect(response.status).toBe(200);
    expect(await signedInAs(cookie)).toBe('bob@example.org');
  });

  it('when no account is named, then it signs in the first test account', async () => {
    const { cookie } = await signIn(google, `${app.url}/`);
    expect(await signedInAs(cookie)).toBe(google.accounts[0]!.email);
  });

  it('when the app refuses the code, then SignInError names the status', async () => {
    google.inject('token', { kind: 'status', status: 400, body: { error: 'invalid_grant' } });
    const error = await signIn(google, app.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as SignInError).status).toBeGreaterThanOrEqual(400);
  });

  it('when the account is unknown, then it throws before posting anything', async () => {
    google.resetCalls();
    await expect(signIn(google, app.url, { account: 'nobody@example.com' })).rejects.toThrow(
      /Unknown account/,
    );
    expect(google.calls('token')).toEqual([]);
  });
});

describe('security events from the control API', () => {
  it('when no receiver is registered, then sendSecurityEvent rejects', async () => {
    const fresh = await startEmulator();
    try {
      await expect(
        fresh.sendSecurityEvent({ type: 'sessions-revoked', account: 'alice@example.com' }),
      ).rejects.toThrow(/no enabled receiver/);
    } finally {
      await fresh.close();
    }
  });

  it("when sessions-revoked is sent to the app's /risc, then the account's session ends", async () => {
    const { cookie } = await signIn(google, app.url, { account: 'alice@example.com' });
    google.registerSecurityEventReceiver(`${app.url}/risc`);
    expect(
      await google.sendSecurityEvent({ type: 'sessions-revoked', account: 'alice@example.com' }),
    ).toEqual([202]);
    expect(await signedInAs(cookie)).toBeUndefined();
  });
});
