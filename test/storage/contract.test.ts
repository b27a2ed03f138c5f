/**
 * The store contract: the same cases against SQLite and PostgreSQL. Every store the app uses
 * has its cases here, so a second engine cannot drift from the first. A new table adds its
 * cases to this file.
 */
import type { Request } from 'express';
import type { SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userLoadedWithSession } from '../../src/http/session/loaded-user.js';
import { TableSessionStore } from '../../src/http/session/table-session-store.js';
import type { Storage } from '../../src/storage/storage.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';

const T0 = 1_700_000_000_000;
const profile = {
  sub: '1234',
  email: 'a@example.com',
  emailVerified: true,
  name: 'A',
  picture: null,
};

const call = <T>(fn: (cb: (err?: unknown, v?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) =>
    fn((err, v) =>
      err ? reject(err instanceof Error ? err : new Error('store callback error')) : resolve(v),
    ),
  );
const sess = (expiresAt: number, userId = 1) =>
  ({ cookie: { expires: new Date(expiresAt) }, userId }) as unknown as SessionData;

describe.each(ENGINES)('store contract on %s', (engineName) => {
  let engine: EngineUnderTest;
  let storage: Storage;
  let now = T0;
  beforeEach(async () => {
    now = T0;
    engine = await createEngine(engineName);
    storage = await engine.open();
  });
  afterEach(() => engine.destroy());

  const count = async (table: string) =>
    (await engine.rows<{ n: number }>(`SELECT CAST(count(*) AS INTEGER) AS n FROM ${table}`))[0]?.n;

  describe('migrations', () => {
    it('when opened, then the schema is current with every table; opened again, then nothing is re-applied', async () => {
      expect(await storage.migrationsCurrent()).toBe(true);
      await storage.users.upsertFromGoogle(profile, new Date(now));
      const again = await engine.open();
      expect(await again.migrationsCurrent()).toBe(true);
      for (const table of ['users', 'sessions', 'used_states', 'failed_sign_ins']) {
        expect(await count(table)).toBeGreaterThanOrEqual(0);
      }
      expect(await count('users')).toBe(1);
    });

    it('when five instances open one empty database at once, then all come up on one schema', async () => {
      const fresh = await createEngine(engineName);
      try {
        const opened = await Promise.all(Array.from({ length: 5 }, () => fresh.open()));
        for (const s of opened) expect(await s.migrationsCurrent()).toBe(true);
        const users = await Promise.all(
          opened.map((s) => s.users.upsertFromGoogle(profile, new Date(now))),
        );
        expect(new Set(users.map((u) => u.id)).size).toBe(1);
      } finally {
        await fresh.destroy();
      }
    });
  });

  describe('UserStore', () => {
    it('when the same sub signs in again with a new email, then the row is updated, not duplicated', async () => {
      const first = await storage.users.upsertFromGoogle(profile, new Date(now));
      const second = await storage.users.upsertFromGoogle(
        { ...profile, email: 'new@example.com', emailVerified: false, picture: 'https://p/x' },
        new Date(now + 1000),
      );
      expect(second).toMatchObject({
        id: first.id,
        googleSub: '1234',
        email: 'new@example.com',
        emailVerified: false,
        picture: 'https://p/x',
        createdAt: new Date(now).toISOString(),
        lastLoginAt: new Date(now + 1000).toISOString(),
      });
      expect(await storage.users.findById(first.id)).toEqual(second);
      expect(await count('users')).toBe(1);
    });

    it('when two accounts share an email, then they are two users (sub is the identity)', async () => {
      const a = await storage.users.upsertFromGoogle(profile, new Date(now));
      const b = await storage.users.upsertFromGoogle({ ...profile, sub: '5678' }, new Date(now));
      expect(a.id).not.toBe(b.id);
      expect(await storage.users.findById(b.id + 1000)).toBeUndefined();
    });

    it('when 20 first sign-ins of one account run at once through two instances, then there is one row', async () => {
      const other = await engine.open();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : storage).users.upsertFromGoogle(
            { ...profile, sub: 'concurrent' },
            new Date(now),
          ),
        ),
      );
      expect(new Set(results.map((u) => u.id)).size).toBe(1);
      expect(await count('users')).toBe(1);
    });

    it('when the database answers, then ping resolves', async () => {
      await expect(storage.users.ping()).resolves.toBeUndefined();
    });
  });

  describe('StateLedger', () => {
    it('when a state is claimed twice, then only the first claim wins; pruning forgets only expired ones', async () => {
      expect(await storage.ledger.claim('s1', now + 1000)).toBe(true);
      expect(await storage.ledger.claim('s1', now + 1000)).toBe(false);
      expect(await storage.ledger.claim('s2', now + 5000)).toBe(true);
      await storage.ledger.prune(now + 2000);
      expect(await count('used_states')).toBe(1);
    });

    it('when ten instances claim one state at once, then exactly one wins', async () => {
      const instances = [storage, await engine.open()];
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => instances[i % 2]!.ledger.claim('race', now + 1000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('security log', () => {
    it('when entries are recorded, then the user lists their own newest first, only the newest `keep`, and they go with the user', async () => {
      const alice = (await storage.users.upsertFromGoogle(profile, new Date(now))).id;
      const bob = (await storage.users.upsertFromGoogle({ ...profile, sub: '5678' }, new Date(now)))
        .id;
      for (let i = 0; i < 5; i++) {
        await storage.securityLog.record(
          alice,
          { kind: 'sign-in', detail: `n${i}`, atMs: T0 + i },
          3,
        );
      }
      await storage.securityLog.record(bob, { kind: 'sign-out', detail: null, atMs: T0 }, 3);
      expect((await storage.securityLog.list(alice)).map((e) => e.detail)).toEqual([
        'n4',
        'n3',
        'n2',
      ]);
      expect(await storage.securityLog.list(bob)).toEqual([
        { kind: 'sign-out', detail: null, atMs: T0 },
      ]);
      await storage.users.delete(alice);
      expect(await count('security_log')).toBe(1);
    });
  });

  describe('session store', () => {
    const storeOf = (s: Storage) =>
      new TableSessionStore(s.sessions, { now: () => now, pruneIntervalMs: 0 });
    const storedExpiry = async (sid: string) =>
      Number(
        (
          await engine.rows<{ e: number }>(
            'SELECT expires_at AS e FROM sessions WHERE sid = ?',
            sid,
          )
        )[0]?.e,
      );

    it('when a session expires, then it is not returned and prune deletes it', async () => {
      const store = storeOf(storage);
      await call((cb) => store.set('live', sess(now + 60_000), cb));
      await call((cb) => store.set('dead', sess(now + 1_000), cb));
      now += 2_000;
      expect(await call((cb) => store.get('dead', cb))).toBeNull();
      expect(await call<SessionData | null>((cb) => store.get('live', cb))).toMatchObject({
        userId: 1,
      });
      expect(await call((cb) => store.length(cb))).toBe(1);
      expect(await store.prune()).toBe(1);
      expect(await engine.rows('SELECT sid FROM sessions')).toEqual([{ sid: 'live' }]);
    });

    it('when the database refuses the delete of an ended session, then it is never loaded again and the delete lands once the database is back', async () => {
      // What each engine answers when it cannot write: read-only SQLite, a full PostgreSQL disk.
      const refusal =
        engineName === 'sqlite'
          ? Object.assign(new Error('attempt to write a readonly database'), {
              code: 'SQLITE_READONLY',
            })
          : Object.assign(new Error('could not extend file: No space left on device'), {
              code: '53100',
            });
      let refusing = false;
      const table = {
        ...storage.sessions,
        remove: (sid: string) =>
          refusing ? Promise.reject(refusal) : storage.sessions.remove(sid),
      };
      const store = new TableSessionStore(table, {
        now: () => now,
        pruneIntervalMs: 0,
        retryRemovalMs: 60_000, // retried by hand below
      });
      await call((cb) => store.set('ended', sess(now + 60_000), cb));
      refusing = true;
      await call((cb) => store.destroy('ended', cb));
      expect(await call((cb) => store.get('ended', cb))).toBeNull();
      expect(await count('sessions')).toBe(1);
      expect(await store.retryRemovals()).toBe(1);
      refusing = false;
      expect(await store.retryRemovals()).toBe(0);
      expect(await count('sessions')).toBe(0);
      store.close();
    });

    it('when touched far enough ahead, then the expiry moves; when destroyed or cleared, then rows are gone', async () => {
      const store = storeOf(storage);
      await call((cb) => store.set('s', sess(now + 1_000), cb));
      await call((cb) => store.touch('s', sess(now + 100_000_000), cb));
      now += 50_000;
      expect(await call((cb) => store.get('s', cb))).not.toBeNull();
      await call((cb) => store.destroy('s', cb));
      expect(await call((cb) => store.get('s', cb))).toBeNull();
      await call((cb) => store.set('t', sess(now + 60_000), cb));
      await call((cb) => store.clear(cb));
      expect(await count('sessions')).toBe(0);
    });

    it('when an unchanged session is touched again within touchAfterMs, then nothing is written; later, the expiry moves', async () => {
      const store = new TableSessionStore(storage.sessions, {
        now: () => now,
        pruneIntervalMs: 0,
        touchAfterMs: 5 * 60_000,
      });
      const idle = 120 * 60_000;
      await call((cb) => store.set('s', sess(now + idle), cb));
      const loaded = await call<SessionData | null>((cb) => store.get('s', cb));
      // A page view a minute later: express-session hands touch() the loaded session with a
      // cookie rolled forward by a minute.
      const oneMinuteLater = { ...loaded, cookie: { expires: new Date(now + 60_000 + idle) } };
      await call((cb) => store.touch('s', oneMinuteLater as unknown as SessionData, cb));
      expect(await storedExpiry('s')).toBe(now + idle);
      const sixMinutesLater = { ...loaded, cookie: { expires: new Date(now + 360_000 + idle) } };
      await call((cb) => store.touch('s', sixMinutesLater as unknown as SessionData, cb));
      expect(await storedExpiry('s')).toBe(now + 360_000 + idle);
      // The bookkeeping never reaches the stored data.
      const [row] = await engine.rows<{ sess: string }>('SELECT sess FROM sessions');
      expect(row?.sess).not.toContain('_storedExpiresAt');
    });

    it("when a session is loaded, then its user's sessions-revoked instant comes with it (one statement) and stays out of the data", async () => {
      const store = new TableSessionStore(storage.sessions, { now: () => now, pruneIntervalMs: 0 });
      const alice = (await storage.users.upsertFromGoogle(profile, new Date(now))).id;
      const bob = (await storage.users.upsertFromGoogle({ ...profile, sub: '5678' }, new Date(now)))
        .id;
      await storage.accountSecurity.revokeSessions(alice, now - 1000);
      await call((cb) => store.set('a', sess(now + 60_000, alice), cb));
      await call((cb) => store.set('b', sess(now + 60_000, bob), cb));
      await call((cb) =>
        store.set(
          'anon',
          { cookie: { expires: new Date(now + 60_000) } } as unknown as SessionData,
          cb,
        ),
      );
      const loadFor = async (sid: string) => {
        const req = {} as unknown as Request;
        const data = await call<SessionData | null>((cb) => store.get(sid, cb));
        const loaded = store.createSession(req, data!);
        return { req, loaded };
      };
      const a = await loadFor('a');
      expect(store.sessionsRevokedAt(a.req)).toBe(now - 1000);
      expect(Object.keys(a.loaded)).not.toContain('_sessionsRevokedAt');
      expect(store.sessionsRevokedAt((await loadFor('b')).req)).toBeNull();
      expect(store.sessionsRevokedAt((await loadFor('anon')).req)).toBeNull();
      expect(store.sessionsRevokedAt({} as unknown as Request)).toBeUndefined();
      // Saved again, the session's row holds no trace of it.
      await call((cb) => store.set('a', a.loaded, cb));
      const rows = await engine.rows<{ sess: string }>("SELECT sess FROM sessions WHERE sid = 'a'");
      expect(rows[0]?.sess).not.toContain('_sessionsRevokedAt');
    });

    it("when a session is loaded, then its user's row comes with it (one statement), only for that request and that user, and stays out of the data", async () => {
      const store = new TableSessionStore(storage.sessions, { now: () => now, pruneIntervalMs: 0 });
      const alice = await storage.users.upsertFromGoogle(profile, new Date(now));
      const bob = await storage.users.upsertFromGoogle({ ...profile, sub: '5678' }, new Date(now));
      await call((cb) => store.set('a', sess(now + 60_000, alice.id), cb));
      await call((cb) => store.set('b', sess(now + 60_000, bob.id), cb));
      await call((cb) =>
        store.set(
          'anon',
          { cookie: { expires: new Date(now + 60_000) } } as unknown as SessionData,
          cb,
        ),
      );
      const loadFor = async (sid: string) => {
        const req = {} as unknown as Request;
        const data = await call<SessionData | null>((cb) => store.get(sid, cb));
        const loaded = store.createSession(req, data!);
        return { req, loaded };
      };
      const a = await loadFor('a');
      // Exactly the row findById reads, types and times alike.
      expect(userLoadedWithSession(a.req, alice.id)).toEqual(
        await storage.users.findById(alice.id),
      );
      expect(Object.keys(a.loaded)).not.toContain('_loadedUser');
      // Asked for another user (a sign-in during the request): none, the caller reads it.
      expect(userLoadedWithSession(a.req, bob.id)).toBeUndefined();
      expect(userLoadedWithSession((await loadFor('b')).req, bob.id)?.email).toBe(profile.email);
      expect(userLoadedWithSession((await loadFor('anon')).req, alice.id)).toBeUndefined();
      expect(userLoadedWithSession({} as unknown as Request, alice.id)).toBeUndefined();
      // A deleted user is not found with the next request's session.
      await storage.users.delete(bob.id);
      await call((cb) => store.set('b2', sess(now + 60_000, bob.id), cb));
      expect(userLoadedWithSession((await loadFor('b2')).req, bob.id)).toBeUndefined();
      // Saved again, the session's row holds no trace of it.
      await call((cb) => store.set('a', a.loaded, cb));
      const rows = await engine.rows<{ sess: string }>("SELECT sess FROM sessions WHERE sid = 'a'");
      expect(rows[0]?.sess).not.toContain('_loadedUser');
      expect(rows[0]?.sess).not.toContain(profile.email);
    });

    it('when a session object is saved again unchanged, then nothing is written; changed, it is', async () => {
      // A sign-in saves its new session before answering, then express-session saves it again.
      const writes: string[] = [];
      const counted = {
        ...storage.sessions,
        write: (...args: Parameters<Storage['sessions']['write']>) => {
          writes.push('insert');
          return storage.sessions.write(...args);
        },
        update: (...args: Parameters<Storage['sessions']['update']>) => {
          writes.push('update');
          return storage.sessions.update(...args);
        },
      };
      const store = new TableSessionStore(counted, { now: () => now, pruneIntervalMs: 0 });
      const signedIn = sess(now + 60_000);
      await call((cb) => store.set('s', signedIn, cb));
      await call((cb) => store.set('s', signedIn, cb));
      // express-session rolls the cookie forward as it saves again: the expiry moved a little.
      signedIn.cookie.expires = new Date(now + 60_005);
      await call((cb) => store.set('s', signedIn, cb));
      expect(writes).toEqual(['insert']);
      expect(await storedExpiry('s')).toBe(now + 60_000);
      // Moved as far as touch() would move it, the expiry is written.
      signedIn.cookie.expires = new Date(now + 60_000 + 5 * 60_000);
      await call((cb) => store.set('s', signedIn, cb));
      expect(writes).toEqual(['insert', 'update']);
      (signedIn as { flash?: unknown }).flash = { info: ['hello'] };
      await call((cb) => store.set('s', signedIn, cb));
      expect(writes).toEqual(['insert', 'update', 'update']);
      const [row] = await engine.rows<{ sess: string }>(
        "SELECT sess FROM sessions WHERE sid = 's'",
      );
      expect(row?.sess).toContain('hello');
    });

    it('when a loaded session is deleted while its request runs, then neither its write nor its touch brings it back; a new session is inserted', async () => {
      const store = storeOf(storage);
      await call((cb) => store.set('s', sess(now + 60_000), cb));
      const loaded = await call<SessionData | null>((cb) => store.get('s', cb));
      // Revoked from another device (or evicted, or its user deleted) while the request runs.
      await call((cb) => store.destroy('s', cb));
      const modified = { ...loaded, flash: { success: ['late'] } } as unknown as SessionData;
      await call((cb) => store.set('s', modified, cb));
      await call((cb) => store.touch('s', sess(now + 100_000_000), cb));
      expect(await call((cb) => store.get('s', cb))).toBeNull();
      expect(await count('sessions')).toBe(0);
      // A session never stored (generated, regenerated) is inserted, and its next write updates.
      const fresh = sess(now + 60_000);
      await call((cb) => store.set('new', fresh, cb));
      expect(await call<SessionData | null>((cb) => store.get('new', cb))).toMatchObject({
        userId: 1,
      });
      await call((cb) => store.destroy('new', cb));
      await call((cb) => store.set('new', fresh, cb));
      expect(await count('sessions')).toBe(0);
    });

    it('when a loaded session is written back while it exists, then its data is updated', async () => {
      const store = storeOf(storage);
      await call((cb) => store.set('s', sess(now + 60_000), cb));
      const loaded = await call<SessionData | null>((cb) => store.get('s', cb));
      const changed = { ...loaded, userId: 9, cookie: { expires: new Date(now + 90_000) } };
      await call((cb) => store.set('s', changed as unknown as SessionData, cb));
      expect(await call<SessionData | null>((cb) => store.get('s', cb))).toMatchObject({
        userId: 9,
      });
      expect(await storedExpiry('s')).toBe(now + 90_000);
    });

    describe('session index (a user to their sessions)', () => {
      const signedIn = (expiresAt: number, userId: number, publicId: string, signedInAt = now) =>
        ({
          cookie: { expires: new Date(expiresAt) },
          userId,
          signedInAt,
          meta: { publicId, device: 'Firefox on Linux', address: '10.0.0.0/24' },
        }) as unknown as SessionData;
      const ids = async (store: TableSessionStore, userId: number) =>
        (await store.listByUser(userId)).map((s) => s.publicId);

      const anonymous = { cookie: { expires: new Date(T0 + 60_000) } } as unknown as SessionData;

      it('when sessions are written, then each user lists only their live ones, newest first, by public id with their data', async () => {
        const store = storeOf(storage);
        await call((cb) => store.set('sid-a', signedIn(now + 60_000, 1, 'pa', now), cb));
        await call((cb) => store.set('sid-b', signedIn(now + 60_000, 1, 'pb', now + 1), cb));
        await call((cb) => store.set('sid-gone', signedIn(now + 10, 1, 'pgone', now + 2), cb));
        await call((cb) => store.set('sid-c', signedIn(now + 60_000, 2, 'pc'), cb));
        await call((cb) => store.set('anon', anonymous, cb));
        now += 100;
        const listed = await store.listByUser(1);
        expect(listed.map((s) => s.publicId)).toEqual(['pb', 'pa']);
        expect(listed[1]).toMatchObject({ createdAt: T0, lastSeenAt: T0 });
        expect(listed[1]?.data.meta?.device).toBe('Firefox on Linux');
        expect(JSON.stringify(listed)).not.toContain('sid-');
        expect(await ids(store, 2)).toEqual(['pc']);
      });

      it('when a page view touches the session, then last seen moves only with the throttled expiry write', async () => {
        const store = new TableSessionStore(storage.sessions, {
          now: () => now,
          pruneIntervalMs: 0,
          touchAfterMs: 5 * 60_000,
        });
        const idle = 120 * 60_000;
        await call((cb) => store.set('s', signedIn(now + idle, 1, 'p'), cb));
        const loaded = await call<SessionData | null>((cb) => store.get('s', cb));
        const viewAt = async (later: number) => {
          now = T0 + later;
          const rolled = { ...loaded, cookie: { expires: new Date(now + idle) } };
          await call((cb) => store.touch('s', rolled as unknown as SessionData, cb));
          return (await store.listByUser(1))[0]?.lastSeenAt;
        };
        expect(await viewAt(60_000)).toBe(T0);
        expect(await viewAt(360_000)).toBe(T0 + 360_000);
      });

      it('when one or the others are removed, then exactly those rows go, for that user only', async () => {
        const store = storeOf(storage);
        for (const [i, id] of ['p1', 'p2', 'p3', 'p4'].entries()) {
          await call((cb) => store.set(`s-${id}`, signedIn(now + 60_000, 1, id, now + i), cb));
        }
        await call((cb) => store.set('s-x', signedIn(now + 60_000, 2, 'px'), cb));
        expect(await store.destroyByPublicId(2, 'p1')).toBe(0);
        expect(await store.destroyByPublicId(1, 'p1')).toBe(1);
        expect(await ids(store, 1)).toEqual(['p4', 'p3', 'p2']);
        expect(await store.destroyOthers(1, 'p3')).toBe(2);
        expect(await ids(store, 1)).toEqual(['p3']);
        expect(await call((cb) => store.get('s-p3', cb))).not.toBeNull();
        expect(await ids(store, 2)).toEqual(['px']);
        expect(await store.destroyByUser(1)).toBe(1);
        expect(await ids(store, 2)).toEqual(['px']);
      });
    });

    it('when a session is written by one instance, then another instance reads it', async () => {
      await call((cb) => storeOf(storage).set('shared', sess(now + 60_000, 7), cb));
      const other = storeOf(await engine.open());
      expect(await call<SessionData | null>((cb) => other.get('shared', cb))).toMatchObject({
        userId: 7,
      });
    });
  });

  describe('pruning', () => {
    it('when five instances prune at once, then none fails and only expired rows are gone', async () => {
      const instances = [storage, ...(await Promise.all([1, 2, 3, 4].map(() => engine.open())))];
      const store = (s: Storage) =>
        new TableSessionStore(s.sessions, {
          now: () => now,
          pruneIntervalMs: 0,
          onPrune: (nowMs) => s.pruneExpired(nowMs),
        });
      for (let i = 0; i < 50; i++) {
        await call((cb) => store(storage).set(`dead${i}`, sess(now - 1), cb));
        await storage.ledger.claim(`used${i}`, now - 1);
      }
      await call((cb) => store(storage).set('live', sess(now + 60_000), cb));
      const pruned = await Promise.all(instances.map((s) => store(s).prune()));
      expect(pruned.reduce((a, b) => a + b, 0)).toBe(50);
      expect(await engine.rows('SELECT sid FROM sessions')).toEqual([{ sid: 'live' }]);
      expect(await count('used_states')).toBe(0);
    });
  });

  describe('failed sign-in counter', () => {
    it('when 40 attempts of one client are reserved at once through two instances with a limit of 25, then exactly 25 are taken', async () => {
      const instances = [storage, await engine.open()];
      const taken = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          instances[i % 2]!.failedSignIns.reserve('198.51.100.1', T0, 25),
        ),
      );
      expect(taken.filter(Boolean)).toHaveLength(25);
      expect(await storage.failedSignIns.count('198.51.100.1', T0)).toBe(25);
      expect(await storage.failedSignIns.count('198.51.100.2', T0)).toBe(0);
      expect(await storage.failedSignIns.count('198.51.100.1', T0 + 60_000)).toBe(0);
    });

    it('when attempts are given back, then the count goes down, never below zero, and frees a place', async () => {
      const failed = storage.failedSignIns;
      expect(await failed.reserve('c', T0, 2)).toBe(true);
      expect(await failed.reserve('c', T0, 2)).toBe(true);
      expect(await failed.reserve('c', T0, 2)).toBe(false);
      await failed.release('c', T0);
      expect(await failed.count('c', T0)).toBe(1);
      expect(await failed.reserve('c', T0, 2)).toBe(true);
      await Promise.all([1, 2, 3].map(() => failed.release('c', T0)));
      expect(await failed.count('c', T0)).toBe(0);
      await failed.release('d', T0); // nothing reserved: nothing written
      expect(await failed.count('d', T0)).toBe(0);
      expect(await failed.reserve('d', T0, 0)).toBe(false);
      expect(await failed.count('d', T0)).toBe(0);
    });

    it('when expired rows are pruned, then old windows and used states go, current ones stay', async () => {
      await storage.failedSignIns.reserve('a', T0, 5);
      await storage.failedSignIns.reserve('a', T0 + 60_000, 5);
      await storage.ledger.claim('old', T0 + 1000);
      await storage.ledger.claim('new', T0 + 600_000);
      await storage.pruneExpired(T0 + 120_000);
      expect(await storage.failedSignIns.count('a', T0)).toBe(0);
      expect(await storage.failedSignIns.count('a', T0 + 60_000)).toBe(1);
      expect(await count('used_states')).toBe(1);
    });
  });
});
