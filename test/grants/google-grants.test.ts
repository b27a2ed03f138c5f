/** The grants service on a real SQLite store: what the granted scope string allows. */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import {
  createGoogleGrants,
  type GoogleGrants,
  type GoogleGrantsDeps,
} from '../../src/grants/google-grants.js';
import { createTokenCipher } from '../../src/grants/token-cipher.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { RefreshedTokens } from '../../src/google/types.js';
import type { GrantStore } from '../../src/storage/grant-store.js';
import type { Storage } from '../../src/storage/storage.js';
import { createRefreshTokenMacer } from '../../src/grants/refresh-token-macs.js';

const DRIVE = 'https://www.googleapis.com/auth/drive.file';
const googleUnused = {
  refreshAccessToken: () => Promise.reject(new Error('no refresh expected')),
  revoke: () => Promise.reject(new Error('no revoke expected')),
};

describe('googleAccessToken and the granted scopes', () => {
  let dir: string;
  let storage: Storage;
  let grants: GoogleGrants;
  let userId: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gconnect-grants-'));
    storage = openSqliteStorage(join(dir, 'app.db'));
    const keys = [{ id: 'k', key: randomBytes(32) }];
    grants = createGoogleGrants({
      store: storage.grants,
      cipher: createTokenCipher(keys),
      macer: createRefreshTokenMacer(keys),
      google: googleUnused,
      logger: pino({ level: 'silent' }),
      now: Date.now,
      googleTimeoutMs: 1000,
    });
    const profile = { sub: '1', email: null, emailVerified: false, name: null, picture: null };
    userId = (await storage.users.upsertFromGoogle(profile, new Date())).id;
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a scope was asked for but not granted, then 403 and no token', async () => {
    await grants.keep(userId, {
      accessToken: 'ya29.a',
      refreshToken: '1//0r',
      expiresIn: 3599,
      scope: 'openid email',
    });
    const refused = await grants.accessToken(userId, { scopes: [DRIVE] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 403, code: 'scope_not_granted' });
    expect(await grants.accessToken(userId, { scopes: ['email'] })).toBe('ya29.a');
  });

  it('when the scope was granted, then the stored access token', async () => {
    await grants.keep(userId, {
      accessToken: 'ya29.b',
      refreshToken: '1//0r',
      expiresIn: 3599,
      scope: `openid ${DRIVE}`,
    });
    expect(await grants.accessToken(userId, { scopes: [DRIVE] })).toBe('ya29.b');
  });

  it('when the user has no grant, then 409 not connected', async () => {
    await expect(grants.accessToken(userId)).rejects.toMatchObject({
      status: 409,
      code: 'not_connected',
    });
    expect(await grants.summary(userId)).toMatchObject({ status: 'not_connected', scopes: [] });
  });
});

describe('a sign-in racing a revocation or a refresh keeps its new grant', () => {
  const T0 = 1_700_000_000_000;
  let dir: string;
  let storage: Storage;
  let userId: number;
  let now = T0;
  const keys = [{ id: 'k', key: randomBytes(32) }];
  const grantsOn = (store: GrantStore, google: GoogleGrantsDeps['google'] = googleUnused) =>
    createGoogleGrants({
      store,
      cipher: createTokenCipher(keys),
      macer: createRefreshTokenMacer(keys),
      google,
      logger: pino({ level: 'silent' }),
      now: () => now,
      googleTimeoutMs: 1000,
    });
  const signIn = (grants: GoogleGrants, refreshToken: string, accessToken = 'ya29.x') =>
    grants.keep(userId, { accessToken, refreshToken, expiresIn: 3599, scope: 'openid' });

  /**
   * The store, except that a sign-in of the user lands right after the first statement the
   * service runs: between a read and a delete, if it reads first.
   */
  function signInAfterFirstStatement(store: GrantStore): GrantStore {
    let landed = false;
    return new Proxy(store, {
      get(target, name, receiver) {
        const member: unknown = Reflect.get(target, name, receiver);
        if (typeof member !== 'function') return member;
        return async (...args: unknown[]) => {
          const result: unknown = await member.apply(target, args);
          if (!landed) {
            landed = true;
            now = T0 + 2000;
            await signIn(grantsOn(store), '1//new');
          }
          return result;
        };
      },
    });
  }

  beforeEach(async () => {
    now = T0;
    dir = mkdtempSync(join(tmpdir(), 'gconnect-grants-'));
    storage = openSqliteStorage(join(dir, 'app.db'));
    const profile = { sub: '1', email: null, emailVerified: false, name: null, picture: null };
    userId = (await storage.users.upsertFromGoogle(profile, new Date(now))).id;
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the grant was stored before the revocation, then it is deleted; after it, then it stays', async () => {
    const grants = grantsOn(storage.grants);
    await signIn(grants, '1//old');
    await grants.forgetRevoked(userId, T0 - 1);
    expect(await grants.hasLiveRefreshToken(userId)).toBe(true);
    await grants.forgetRevoked(userId, T0);
    expect(await grants.hasLiveRefreshToken(userId)).toBe(false);
  });

  it('when the user signs in again while the revocation is applied, then the new grant stays', async () => {
    await signIn(grantsOn(storage.grants), '1//old');
    await grantsOn(signInAfterFirstStatement(storage.grants)).forgetRevoked(userId, T0 + 1000);
    const kept = await storage.grants.find(userId);
    expect(kept?.updatedAt).toBe(new Date(T0 + 2000).toISOString());
  });

  it.each([
    ['refuses the old refresh token', true],
    ['answers with a token for the old grant', false],
  ])(
    'when the user signs in again while Google %s, then the new grant stays connected with its own token',
    async (_case, refused) => {
      const plain = grantsOn(storage.grants);
      // An access token inside the refresh margin: the next use refreshes.
      await plain.keep(userId, { accessToken: 'ya29.old', refreshToken: '1//old', expiresIn: 1 });
      const google = {
        ...googleUnused,
        async refreshAccessToken(): Promise<RefreshedTokens> {
          await signIn(plain, '1//new', 'ya29.new');
          if (refused) throw new AppError(401, 'refused', { code: 'google_invalid_grant' });
          return {
            accessToken: 'ya29.late',
            expiresIn: 3599,
            scope: undefined,
            refreshToken: undefined,
          };
        },
      };
      await grantsOn(storage.grants, google)
        .accessToken(userId)
        .catch(() => undefined);
      expect(await plain.hasLiveRefreshToken(userId)).toBe(true);
      expect(await plain.accessToken(userId)).toBe('ya29.new');
    },
  );
});
