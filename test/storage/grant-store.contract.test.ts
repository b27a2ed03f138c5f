/**
 * The google_grants contract: the same cases against SQLite and PostgreSQL (the store keeps
 * sealed envelopes; here any strings stand for them).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';

const T0 = 1_700_000_000_000;
const at = (ms: number) => new Date(T0 + ms);
const profile = (sub: string) => ({
  sub,
  email: `${sub}@example.com`,
  emailVerified: true,
  name: sub,
  picture: null,
});
const signInGrant = (refreshToken: string | null, accessToken = 'a1', scope = 'openid email') => ({
  refreshToken,
  accessToken,
  accessTokenExpiresAt: T0 + 3_600_000,
  scope,
});

describe.each(ENGINES)('google_grants contract on %s', (engineName) => {
  let engine: EngineUnderTest;
  let storage: Storage;
  let userId: number;
  beforeEach(async () => {
    engine = await createEngine(engineName);
    storage = await engine.open();
    userId = (await storage.users.upsertFromGoogle(profile('alice'), at(0))).id;
  });
  afterEach(() => engine.destroy());

  it('when sign-ins and connects ask for scopes, then the requested scopes add up, each request once', async () => {
    const ask = (requestedScope: string) =>
      storage.grants.saveFromSignIn(userId, { ...signInGrant('r1'), requestedScope }, at(0));
    await ask('openid email');
    await ask('openid cal');
    await ask('openid email');
    await ask('openid cal');
    expect((await storage.grants.find(userId))?.requestedScope).toBe('openid email openid cal');
  });

  it('when a sign-in brings a refresh token, then the grant is connected with it, the scope as given', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    expect(await storage.grants.find(userId)).toMatchObject({
      userId,
      refreshToken: 'r1',
      accessToken: 'a1',
      accessTokenExpiresAt: T0 + 3_600_000,
      scope: 'openid email',
      status: 'connected',
      statusReason: null,
      createdAt: at(0).toISOString(),
      refreshedAt: null,
    });
  });

  it('when a later sign-in brings none, then the stored refresh token stays and the rest is replaced', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    await storage.grants.saveFromSignIn(userId, signInGrant(null, 'a2', 'openid drive'), at(5));
    expect(await storage.grants.find(userId)).toMatchObject({
      refreshToken: 'r1',
      accessToken: 'a2',
      scope: 'openid drive',
      status: 'connected',
      createdAt: at(0).toISOString(),
      updatedAt: at(5).toISOString(),
    });
  });

  it('when the first sign-in brings no refresh token, then the grant needs reconnecting', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant(null), at(0));
    expect(await storage.grants.find(userId)).toMatchObject({
      refreshToken: null,
      status: 'needs_reconnect',
      statusReason: 'no refresh token',
    });
  });

  it('when Google refused the grant and a new sign-in brings a refresh token, then it is connected again', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    await storage.grants.markNeedsReconnect(
      userId,
      'Token has been expired or revoked.',
      at(1),
      'r1',
    );
    expect(await storage.grants.find(userId)).toMatchObject({
      status: 'needs_reconnect',
      statusReason: 'Token has been expired or revoked.',
      accessToken: null,
    });
    await storage.grants.saveFromSignIn(userId, signInGrant('r2'), at(2));
    expect(await storage.grants.find(userId)).toMatchObject({
      refreshToken: 'r2',
      status: 'connected',
      statusReason: null,
    });
  });

  it('when the refresh lease is held, then nobody else gets it until released or expired', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    const other = await engine.open(); // another instance
    expect(await storage.grants.claimRefreshLease(userId, T0, T0 + 1000)).toBe(true);
    expect(await other.grants.claimRefreshLease(userId, T0 + 999, T0 + 2000)).toBe(false);
    expect(await other.grants.claimRefreshLease(userId, T0 + 1000, T0 + 2000)).toBe(true);
    await other.grants.releaseRefreshLease(userId);
    expect(await storage.grants.claimRefreshLease(userId, T0 + 1001, T0 + 3000)).toBe(true);
    expect(await storage.grants.claimRefreshLease(999_999, T0, T0 + 1000)).toBe(false);
  });

  it('when instances race for the lease, then exactly one wins', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    const instances = [storage, ...(await Promise.all([1, 2, 3].map(() => engine.open())))];
    const won = await Promise.all(
      instances.map((s) => s.grants.claimRefreshLease(userId, T0, T0 + 5000)),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('when a refresh is saved, then the new access token is stored, the lease released, a null refresh token keeps the old', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    await storage.grants.claimRefreshLease(userId, T0, T0 + 5000);
    await storage.grants.saveRefreshed(
      userId,
      {
        accessToken: 'a2',
        accessTokenExpiresAt: T0 + 7_200_000,
        refreshToken: null,
        scope: null,
        refreshedWith: 'r1',
      },
      at(10),
    );
    expect(await storage.grants.find(userId)).toMatchObject({
      refreshToken: 'r1',
      accessToken: 'a2',
      accessTokenExpiresAt: T0 + 7_200_000,
      scope: 'openid email',
      refreshedAt: at(10).toISOString(),
    });
    expect(await storage.grants.claimRefreshLease(userId, T0 + 11, T0 + 5000)).toBe(true);
  });

  it('when access ends at a time, then only a new refresh token changes it (to its own end or none)', async () => {
    const END = T0 + 30 * 86_400_000;
    const refreshed = (refreshToken: string | null, refreshedWith: string, end: number | null) => ({
      accessToken: 'a2',
      accessTokenExpiresAt: T0 + 7_200_000,
      refreshToken,
      scope: null,
      refreshedWith,
      accessEndsAt: end,
    });
    const endsAt = async () => (await storage.grants.find(userId))?.accessEndsAt;
    await storage.grants.saveFromSignIn(userId, { ...signInGrant('r1'), accessEndsAt: END }, at(0));
    expect(await endsAt()).toBe(END);
    await storage.grants.saveFromSignIn(
      userId,
      { ...signInGrant(null), accessEndsAt: null },
      at(1),
    );
    expect(await endsAt()).toBe(END);
    await storage.grants.saveRefreshed(userId, refreshed(null, 'r1', END + 1), at(2));
    expect(await endsAt()).toBe(END);
    await storage.grants.saveRefreshed(userId, refreshed('r2', 'r1', END + 5), at(3));
    expect(await endsAt()).toBe(END + 5);
    await storage.grants.saveRefreshed(userId, refreshed('r3', 'r2', null), at(4));
    expect(await endsAt()).toBeNull();
    await storage.grants.saveFromSignIn(userId, { ...signInGrant('r4'), accessEndsAt: END }, at(5));
    expect(await endsAt()).toBe(END);
    await storage.grants.saveFromSignIn(userId, signInGrant('r5'), at(6));
    expect(await endsAt()).toBeNull();
  });

  it("when access ends at a time, then its start (the refresh token's issue) moves with it, only with a new refresh token", async () => {
    const END = T0 + 30 * 86_400_000;
    const span = (start: number | null, end: number | null) => ({
      accessStartsAt: start,
      accessEndsAt: end,
    });
    const refreshed = (refreshToken: string | null, refreshedWith: string, s: number | null) => ({
      accessToken: 'a2',
      accessTokenExpiresAt: T0 + 7_200_000,
      refreshToken,
      scope: null,
      refreshedWith,
      ...span(s, s === null ? null : s + 1000),
    });
    const stored = async () => {
      const grant = await storage.grants.find(userId);
      return grant && span(grant.accessStartsAt, grant.accessEndsAt);
    };
    await storage.grants.saveFromSignIn(userId, { ...signInGrant('r1'), ...span(T0, END) }, at(0));
    expect(await stored()).toEqual(span(T0, END));
    // No new refresh token: the access (and when it began) stays.
    await storage.grants.saveFromSignIn(
      userId,
      { ...signInGrant(null), ...span(T0 + 1, END + 1) },
      at(1),
    );
    expect(await stored()).toEqual(span(T0, END));
    await storage.grants.saveRefreshed(userId, refreshed(null, 'r1', T0 + 2), at(2));
    expect(await stored()).toEqual(span(T0, END));
    // A renewal: a new refresh token with its own end moves the start.
    await storage.grants.saveRefreshed(userId, refreshed('r2', 'r1', T0 + 3), at(3));
    expect(await stored()).toEqual(span(T0 + 3, T0 + 1003));
    await storage.grants.saveFromSignIn(
      userId,
      { ...signInGrant('r3'), ...span(T0 + 4, END) },
      at(4),
    );
    expect(await stored()).toEqual(span(T0 + 4, END));
    // A new refresh token with no end: neither is kept.
    await storage.grants.saveRefreshed(userId, refreshed('r4', 'r3', null), at(5));
    expect(await stored()).toEqual(span(null, null));
    await storage.grants.saveFromSignIn(
      userId,
      { ...signInGrant('r5'), ...span(T0 + 6, END) },
      at(6),
    );
    expect(await stored()).toEqual(span(T0 + 6, END));
    await storage.grants.saveFromSignIn(userId, signInGrant('r6'), at(7));
    expect(await stored()).toEqual(span(null, null));
  });

  it('when a sign-in replaced the refresh token during a refresh, then neither its result nor its refusal touches the new grant', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    await storage.grants.claimRefreshLease(userId, T0, T0 + 5000);
    await storage.grants.saveFromSignIn(userId, signInGrant('r2', 'a-new'), at(1));
    const late = {
      accessToken: 'a-late',
      accessTokenExpiresAt: T0,
      refreshToken: null,
      scope: null,
    };
    await storage.grants.saveRefreshed(userId, { ...late, refreshedWith: 'r1' }, at(2));
    await storage.grants.markNeedsReconnect(userId, 'refused', at(2), 'r1');
    expect(await storage.grants.find(userId)).toMatchObject({
      refreshToken: 'r2',
      accessToken: 'a-new',
      status: 'connected',
      refreshedAt: null,
      updatedAt: at(1).toISOString(),
    });
  });

  it('when a grant is deleted unless written after a time, then only one written at or before it goes, to the millisecond', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(1));
    expect(await storage.grants.deleteUnlessWrittenAfter(userId, at(0))).toBe(false);
    expect(await storage.grants.find(userId)).toBeDefined();
    expect(await storage.grants.deleteUnlessWrittenAfter(userId, at(1))).toBe(true);
    expect(await storage.grants.find(userId)).toBeUndefined();
    // Across a change of day, month and year as well (the SQLite column is ISO 8601 text).
    const lastMs = new Date(Date.UTC(2023, 11, 31, 23, 59, 59, 999));
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), lastMs);
    const newYear = new Date(Date.UTC(2024, 0, 1));
    expect(await storage.grants.deleteUnlessWrittenAfter(userId, newYear)).toBe(true);
    expect(await storage.grants.deleteUnlessWrittenAfter(userId, newYear)).toBe(false);
  });

  it('when sealed values are replaced, then only if they are still the ones read, the identifier hashes with them', async () => {
    await storage.grants.saveFromSignIn(
      userId,
      { ...signInGrant('r1'), refreshTokenMacs: { prefix: 'P1', hash: 'H1' } },
      at(0),
    );
    expect(await storage.grants.listSealed()).toEqual([
      {
        userId,
        refreshToken: 'r1',
        accessToken: 'a1',
        refreshTokenMacs: { prefix: 'P1', hash: 'H1' },
      },
    ]);
    const before = { refreshToken: 'r1', accessToken: 'a1' };
    const rekeyed = { prefix: 'P2', hash: 'H2' };
    expect(
      await storage.grants.replaceSealed(userId, before, {
        refreshToken: 'R1',
        accessToken: 'A1',
        refreshTokenMacs: rekeyed,
      }),
    ).toBe(true);
    expect(
      await storage.grants.replaceSealed(userId, before, {
        refreshToken: 'x',
        accessToken: 'x',
        refreshTokenMacs: null,
      }),
    ).toBe(false);
    expect(await storage.grants.find(userId)).toMatchObject({
      refreshToken: 'R1',
      accessToken: 'A1',
    });
    expect((await storage.grants.listSealed())[0]?.refreshTokenMacs).toEqual(rekeyed);
    // A token-revoked event finds the grant by the new hashes only.
    expect(await storage.grants.deleteByRefreshTokenMac(['P1', 'H1'])).toBeUndefined();
    expect(await storage.grants.deleteByRefreshTokenMac(['H2'])).toBe(userId);
  });

  it("when a refresh token's keyed identifier hashes are stored, then either finds and deletes that grant only; a sign-in without a refresh token keeps them", async () => {
    const bob = (await storage.users.upsertFromGoogle(profile('bob'), at(0))).id;
    const macs = { prefix: 'P1', hash: 'H1' };
    await storage.grants.saveFromSignIn(
      userId,
      { ...signInGrant('r1'), refreshTokenMacs: macs },
      at(0),
    );
    await storage.grants.saveFromSignIn(
      bob,
      { ...signInGrant('rb'), refreshTokenMacs: { prefix: 'PB', hash: 'HB' } },
      at(0),
    );
    await storage.grants.saveFromSignIn(userId, signInGrant(null, 'a2'), at(1));
    expect(await storage.grants.deleteByRefreshTokenMac(['nope', 'P2'])).toBeUndefined();
    expect(await storage.grants.deleteByRefreshTokenMac(['x', 'H1'])).toBe(userId);
    expect(await storage.grants.find(userId)).toBeUndefined();
    await storage.grants.saveRefreshed(
      bob,
      {
        accessToken: 'a3',
        accessTokenExpiresAt: T0,
        refreshToken: 'rb2',
        scope: null,
        refreshTokenMacs: { prefix: 'PB2', hash: 'HB2' },
        refreshedWith: 'rb',
      },
      at(2),
    );
    expect(await storage.grants.deleteByRefreshTokenMac(['PB'])).toBeUndefined();
    expect(await storage.grants.deleteByRefreshTokenMac(['PB2'])).toBe(bob);
  });

  it('when the user is deleted, then the grant and the user sessions go, other users keep theirs', async () => {
    const bob = (await storage.users.upsertFromGoogle(profile('bob'), at(0))).id;
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    await storage.grants.saveFromSignIn(bob, signInGrant('rb'), at(0));
    const write = (sid: string, id: number) =>
      storage.sessions.write(sid, JSON.stringify({ cookie: {}, userId: id }), T0 + 1000, {
        userId: id,
        publicId: `public-${sid}`,
        createdAt: T0,
        lastSeenAt: T0,
      });
    await write('s1', userId);
    await write('s2', userId);
    await write('s3', bob);
    expect(await storage.users.delete(userId)).toBe(true);
    expect(await storage.sessions.removeByUser(userId)).toBe(2);
    expect(await storage.grants.find(userId)).toBeUndefined();
    expect(await storage.grants.find(bob)).toBeDefined();
    expect(await storage.sessions.read('s3', T0)).toBeDefined();
    expect(await storage.users.delete(userId)).toBe(false);
  });

  it('when a grant is deleted, then it is gone and a second delete says so', async () => {
    await storage.grants.saveFromSignIn(userId, signInGrant('r1'), at(0));
    expect(await storage.grants.delete(userId)).toBe(true);
    expect(await storage.grants.find(userId)).toBeUndefined();
    expect(await storage.grants.delete(userId)).toBe(false);
  });
});
