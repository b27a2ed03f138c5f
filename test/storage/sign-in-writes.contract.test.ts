/**
 * A sign-in's writes (src/storage/{sqlite,pg}/sign-in-writes.ts) on both engines: all committed
 * together, or none of them when one fails.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GrantFromSignIn } from '../../src/storage/grant-store.js';
import type { SessionRow, SignInWrite } from '../../src/storage/sign-in-writes.js';
import type { Storage } from '../../src/storage/storage.js';
import { failSecurityLogInserts } from '../support/log-fault.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const profile = {
  sub: '4242',
  email: 'writes@example.com',
  emailVerified: true,
  name: 'Writes',
  picture: null,
};
const grant = (userId: number): GrantFromSignIn => ({
  refreshToken: `sealed-refresh-for-${userId}`,
  accessToken: `sealed-access-for-${userId}`,
  accessTokenExpiresAt: T0 + HOUR,
  scope: 'openid email',
  requestedScope: 'openid email',
});
const row = (sid: string, userId: number, createdAt = T0): SessionRow => ({
  sid,
  sess: JSON.stringify({ userId, flash: { success: ['hi'] } }),
  expiresAt: T0 + HOUR,
  index: { userId, publicId: `pub-${sid}`, createdAt, lastSeenAt: createdAt },
});

describe.each(ENGINES)("a sign-in's writes on %s", (engineName) => {
  let engine: EngineUnderTest;
  let storage: Storage;
  beforeEach(async () => {
    engine = await createEngine(engineName);
    storage = await engine.open();
    // The anonymous session the sign-in replaces.
    await storage.sessions.write('old-sid', '{"state":"x"}', T0 + HOUR);
  });
  afterEach(() => engine.destroy());

  const write = (overrides: Partial<SignInWrite> = {}): SignInWrite => ({
    profile,
    nowMs: T0,
    grant,
    oldSid: 'old-sid',
    session: (user) => row('new-sid', user.id),
    maxSessions: 3,
    log: { kind: 'sign-in', detail: 'popup', atMs: T0 },
    ...overrides,
  });
  const sids = async () =>
    (await engine.rows<{ sid: string }>('SELECT sid FROM sessions ORDER BY sid')).map((r) => r.sid);
  const count = async (table: string) =>
    (await engine.rows<{ n: number }>(`SELECT CAST(count(*) AS INTEGER) AS n FROM ${table}`))[0]?.n;

  it('when committed, then the user, the grant sealed for their id, the new session in place of the old and the log entry are stored', async () => {
    const user = await storage.signInWrites.commit(write());
    expect(user).toMatchObject({ googleSub: '4242', email: 'writes@example.com' });
    expect(await storage.grants.find(user.id)).toMatchObject({
      refreshToken: `sealed-refresh-for-${user.id}`,
      status: 'connected',
    });
    expect(await sids()).toEqual(['new-sid']);
    const stored = await storage.sessions.read('new-sid', T0);
    expect(stored).toMatchObject({ expiresAt: T0 + HOUR, user: { id: user.id } });
    expect(JSON.parse(stored!.sess)).toEqual({ userId: user.id, flash: { success: ['hi'] } });
    expect((await storage.sessions.listByUser(user.id, T0)).map((s) => s.publicId)).toEqual([
      'pub-new-sid',
    ]);
    expect(await storage.securityLog.list(user.id)).toEqual([
      { kind: 'sign-in', detail: 'popup', atMs: T0 },
    ]);
  });

  it('when there are no tokens, then no grant is written', async () => {
    const user = await storage.signInWrites.commit(write({ grant: undefined }));
    expect(await storage.grants.find(user.id)).toBeUndefined();
    expect(await sids()).toEqual(['new-sid']);
  });

  it('when the user is at the cap, then the oldest others end and the new session stays, even beside one created in the same ms', async () => {
    const first = await storage.signInWrites.commit(write({ maxSessions: 10 }));
    for (const [sid, at] of [
      ['s1', T0 - 3],
      ['s2', T0 - 2],
      ['zz', T0], // same ms as the new session, and after it in sid order
    ] as const) {
      const r = row(sid, first.id, at);
      await storage.sessions.write(r.sid, r.sess, r.expiresAt, r.index);
    }
    await storage.sessions.write('other-old', '{}', T0 + HOUR);
    await storage.signInWrites.commit(
      write({
        oldSid: 'other-old',
        session: (user) => row('a-new', user.id),
        maxSessions: 3,
      }),
    );
    // Kept: the new one and the two newest others (zz, new-sid from the first sign-in).
    expect(await sids()).toEqual(['a-new', 'new-sid', 'zz']);
    expect(await storage.securityLog.list(first.id)).toHaveLength(2);
  });

  it('when the security log keeps 2, then the oldest entries are trimmed in the same commit', async () => {
    let user = await storage.signInWrites.commit(write({ logKeep: 2 }));
    let previous = 'new-sid';
    for (const at of [T0 + 1, T0 + 2]) {
      const sid = `sid-${at}`;
      user = await storage.signInWrites.commit(
        write({
          oldSid: previous,
          session: (u) => row(sid, u.id),
          log: { kind: 'sign-in', detail: 'redirect', atMs: at },
          logKeep: 2,
        }),
      );
      previous = sid;
    }
    expect((await storage.securityLog.list(user.id)).map((e) => e.atMs)).toEqual([T0 + 2, T0 + 1]);
  });

  it('when the last write (the security log) fails, then nothing is written and the old session stays', async () => {
    const repair = await failSecurityLogInserts(engine.url);
    await expect(storage.signInWrites.commit(write())).rejects.toThrow(/injected fault/);
    expect(await count('users')).toBe(0);
    expect(await count('google_grants')).toBe(0);
    expect(await count('security_log')).toBe(0);
    expect(await sids()).toEqual(['old-sid']);
    await repair();
    // The connection (PostgreSQL: back in the pool) works for the next sign-in.
    await storage.signInWrites.commit(write());
    expect(await sids()).toEqual(['new-sid']);
  });

  it("when the limiter reserved the request's attempt, then it is given back in the same commit; when a write fails, it stays counted", async () => {
    const attempt = { clientKey: '203.0.113.5', windowStart: T0 };
    const failures = () => storage.failedSignIns.count(attempt.clientKey, attempt.windowStart);
    await storage.failedSignIns.reserve(attempt.clientKey, attempt.windowStart, 5);
    await storage.failedSignIns.reserve(attempt.clientKey, attempt.windowStart, 5);
    await storage.signInWrites.commit(write({ attempt }));
    expect(await failures()).toBe(1);
    const repair = await failSecurityLogInserts(engine.url);
    await storage.sessions.write('old-sid', '{}', T0 + HOUR);
    await expect(
      storage.signInWrites.commit(write({ attempt, session: (user) => row('other-sid', user.id) })),
    ).rejects.toThrow(/injected fault/);
    await repair();
    expect(await failures()).toBe(1);
    // Another client's count is not touched.
    await storage.signInWrites.commit(
      write({
        attempt: { clientKey: '198.51.100.1', windowStart: T0 },
        session: (user) => row('third-sid', user.id),
      }),
    );
    expect(await failures()).toBe(1);
  });

  it('when building the session row throws, then nothing is written, an existing user is unchanged', async () => {
    const user = await storage.signInWrites.commit(write({ grant: undefined }));
    await storage.sessions.write('old-sid', '{}', T0 + HOUR);
    const failing = write({
      profile: { ...profile, name: 'Renamed' },
      nowMs: T0 + 5,
      oldSid: 'old-sid',
      session: () => {
        throw new Error('no row');
      },
    });
    await expect(storage.signInWrites.commit(failing)).rejects.toThrow('no row');
    expect(await storage.users.findById(user.id)).toEqual(user);
    expect(await storage.grants.find(user.id)).toBeUndefined();
    expect(await sids()).toEqual(['new-sid', 'old-sid']);
  });
});
