/**
 * A session ended elsewhere (revoked from another device, evicted by the cap, its user deleted)
 * while one of its own requests is in flight stays ended: that request's write of the session
 * must not store it again. The write is held at the store until the revocation is done, so the
 * race happens every run, in the same order.
 */
import type { SessionData } from 'express-session';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestAccount } from '../../../emulator/server/accounts.js';
import type { SessionView } from '../../../src/routes/account/account-sessions.js';
import { TableSessionStore } from '../../../src/http/session/table-session-store.js';
import type { Agent } from '../../support/harness.js';
import {
  getState,
  issueCode,
  sessionCookieOf,
  sessionIdOf,
  signInOk,
} from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

interface Hold {
  sid: string;
  /** Called when the held write arrives at the store. */
  arrived: () => void;
  /** Settles when the test lets the write go on. */
  released: Promise<void>;
}

/** The app's session store, except that the write of one chosen session waits for the test. */
class HeldSessionStore extends TableSessionStore {
  static hold: Hold | undefined;

  override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    const hold = HeldSessionStore.hold;
    if (hold?.sid !== sid) {
      super.set(sid, sess, cb);
      return;
    }
    HeldSessionStore.hold = undefined;
    hold.arrived();
    hold.released.then(
      () => super.set(sid, sess, cb),
      (err: unknown) => cb?.(err),
    );
  }
}

/** Holds the next write of session `sid`: `arrived` settles when it reaches the store. */
function holdNextWrite(sid: string): { arrived: Promise<void>; release: () => void } {
  let arrived = () => {};
  let release = () => {};
  const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  HeldSessionStore.hold = { sid, arrived, released };
  return { arrived: arrivedPromise, release };
}

const ACCOUNTS: TestAccount[] = Array.from({ length: 4 }, (_, i) => ({
  sub: `2100000000000000000${String(i).padStart(2, '0')}`,
  email: `race${i}@example.com`,
  emailVerified: true,
  name: `Race ${i}`,
  givenName: 'Race',
  familyName: String(i),
  picture: '/avatars/none.svg',
}));
let nextAccount = 0;

const scope = useHarness({
  SessionStore: HeldSessionStore,
  emulatorOptions: { accounts: ACCOUNTS },
});
afterEach(() => {
  HeldSessionStore.hold = undefined;
});

/** Two devices signed in as one fresh account; the phone's session id and public id. */
async function twoDevices() {
  const account = ACCOUNTS[nextAccount++]!.email;
  const phone = scope.h.client();
  const signedIn = await signInOk(scope.h, phone, account);
  const phoneSid = sessionIdOf(sessionCookieOf(signedIn)!);
  const laptop = scope.h.client();
  await signInOk(scope.h, laptop, account);
  const list = await phone.get('/account/sessions').set('Accept', 'application/json').expect(200);
  const phoneId = (list.body as SessionView[]).find((s) => s.current)!.id;
  return { account, phone, phoneSid, phoneId, laptop };
}

/** Runs `request` up to its session write, revokes the phone from the laptop, then lets it go on. */
async function revokeDuring<T>(
  devices: { phoneSid: string; phoneId: string; laptop: Agent },
  request: () => Promise<T>,
): Promise<T> {
  const hold = holdNextWrite(devices.phoneSid);
  const inFlight = request();
  await hold.arrived;
  const revoked = await devices.laptop.post(`/account/sessions/${devices.phoneId}/revoke`);
  expect(revoked.body).toEqual({ revoked: 1 });
  hold.release();
  return inFlight;
}

const rowsOf = (sid: string) => scope.db.prepare('SELECT sid FROM sessions WHERE sid = ?').all(sid);

describe('a session revoked while its own request is in flight', () => {
  it('when the request stores a new state (GET /login), then it is answered, and the session stays ended', async () => {
    const devices = await twoDevices();
    const view = await revokeDuring(devices, async () =>
      devices.phone.get('/login').set('Accept', 'application/json'),
    );
    expect(view.status).toBe(200);
    await devices.phone.get('/me').expect(401);
    expect(rowsOf(devices.phoneSid)).toEqual([]);
    await devices.laptop.get('/me').expect(200);
  });

  it('when the request is a re-authentication (POST /gconnect, already connected), then the session stays ended', async () => {
    const devices = await twoDevices();
    const state = await getState(devices.phone);
    const reauth = await revokeDuring(devices, async () =>
      devices.phone
        .post(`/gconnect?state=${encodeURIComponent(state)}`)
        .type('application/octet-stream')
        .send(issueCode(scope.h, devices.account)),
    );
    expect(reauth.status).toBe(200);
    await devices.phone.get('/me').expect(401);
    expect(rowsOf(devices.phoneSid)).toEqual([]);
  });
});
