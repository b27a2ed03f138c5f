/**
 * Key rotation end to end: a ring without the key a token was sealed with fails closed;
 * `npm run rotate-token-keys` re-seals every row under the new first key, after which the old
 * key can go.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenKeys } from '../../src/core/token-keys.js';
import { createTokenCipher } from '../../src/grants/token-cipher.js';
import { updateStream, type ServiceAccountKey } from '../../src/risc/register-receiver.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { CLIENT } from '../support/client.js';
import { sessionCookieOf, signInOk } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const run = promisify(execFile);
const KEY1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;

/**
 * An app holding KEY1 with Alice signed in, and a second instance on the same database with
 * KEY2 only. Each describe gets its own: a rotation rewrites the database they share.
 */
function useRotationScope() {
  const scope = useHarness({ env: { TOKEN_ENCRYPTION_KEYS: KEY1 } });
  const state = { onlyNewKey: undefined as unknown as RunningServer, cookie: '' };
  beforeAll(async () => {
    const res = await signInOk(scope.h, scope.h.client(), 'alice@example.com');
    state.cookie = (sessionCookieOf(res) ?? '').split(';')[0] ?? '';
    state.onlyNewKey = await startServer(
      {
        ...scope.h.settings,
        options: { ...scope.h.settings.options, tokenKeys: parseTokenKeys(KEY2).keys },
      },
      { logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(() => state.onlyNewKey.close(100));
  return { scope, state };
}

let s: ReturnType<typeof useHarness>;
let onlyNewKey: RunningServer;
let cookie: string;

/** Points the helpers below at the current describe's scope. */
function inScope(rotation: ReturnType<typeof useRotationScope>): void {
  beforeAll(() => {
    s = rotation.scope;
    onlyNewKey = rotation.state.onlyNewKey;
    cookie = rotation.state.cookie;
  });
}

const connection = (server: { url: string }) =>
  supertest(server.url)
    .get('/account/google')
    .set('Accept', 'application/json')
    .set('Cookie', cookie);

function sealedKeyIds(): string[] {
  const rows = s.db.prepare('SELECT refresh_token, access_token FROM google_grants').all() as {
    refresh_token: string;
    access_token: string;
  }[];
  return rows.flatMap((r) => [r.refresh_token, r.access_token].map((e) => e.split('.')[1] ?? ''));
}

async function rotate(keys: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/bin/rotate-token-keys.ts'],
    {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: `file:${s.h.config.database.kind === 'sqlite' ? s.h.config.database.path : ''}`,
        TOKEN_ENCRYPTION_KEYS: keys,
        GOOGLE_CLIENT_ID: CLIENT.clientId,
        GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
        LOG_LEVEL: 'silent',
      },
    },
  );
  return stdout;
}

describe('token key rotation', () => {
  inScope(useRotationScope());

  it('when a ring lacks the key id of the stored tokens, then it fails closed (500, no Google call); after rotation it works with the new key alone', async () => {
    await connection(s.h).expect(200);
    expect(sealedKeyIds()).toEqual(['k1', 'k1']);

    s.h.emulator.resetCalls();
    const refused = await connection(onlyNewKey).expect(500);
    expect(refused.body).toBe('Internal server error.');
    expect(s.h.emulator.calls('userinfo')).toHaveLength(0);
    expect(s.h.emulator.calls('refresh')).toHaveLength(0);

    expect(await rotate(`${KEY2},${KEY1}`)).toMatch(/1 grant\(s\) re-encrypted under key "k2"/);
    expect(sealedKeyIds()).toEqual(['k2', 'k2']);
    const res = await connection(onlyNewKey).expect(200);
    expect(res.body).toMatchObject({
      status: 'connected',
      profile: { email: 'alice@example.com' },
    });

    expect(await rotate(KEY2)).toMatch(
      /0 grant\(s\) re-encrypted under key "k2", 1 already under it/,
    );
  });
});

describe('token key rotation and the refresh-token fingerprints', () => {
  inScope(useRotationScope());

  it('when the old key is dropped after a rotation, then a token-revoked event for a refresh token stored under it still deletes its grant', async () => {
    await signInOk(s.h, s.h.client(), 'bob@example.org');
    const row = s.db
      .prepare(
        `SELECT g.user_id, g.refresh_token FROM google_grants g JOIN users u ON u.id = g.user_id
         WHERE u.email = 'bob@example.org'`,
      )
      .get() as { user_id: number; refresh_token: string };
    expect(row.refresh_token.split('.')[1]).toBe('k1');
    const refreshToken = createTokenCipher(parseTokenKeys(KEY1).keys).open(row.refresh_token, {
      userId: row.user_id,
      column: 'refresh_token',
    });

    await rotate(`${KEY2},${KEY1}`);
    // Google's events now reach the instance that holds the new key only.
    const res = await fetch(`${s.h.emulator.url}/emulator/risc/service-account`, {
      method: 'POST',
    });
    const key = (await res.json()) as ServiceAccountKey;
    await updateStream(
      { key, apiBase: s.h.emulator.url, timeoutMs: 5000 },
      `${onlyNewKey.url}/risc`,
    );
    const emitted = await fetch(`${s.h.emulator.url}/emulator/risc/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'token-revoked', token: refreshToken }),
    });
    expect(await emitted.json()).toEqual({ statuses: [202] });
    const left = s.db
      .prepare('SELECT count(*) AS n FROM google_grants WHERE user_id = ?')
      .get(row.user_id) as { n: number };
    expect(left.n).toBe(0);
  });
});
