/**
 * Cross-Account Protection's tables on both engines: what Google told us per account
 * (account_security) and the security events already acted on (security_events).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';

const T0 = Date.UTC(2026, 0, 1);
const alice = {
  sub: '1001',
  email: 'alice@example.com',
  emailVerified: true,
  name: 'Alice',
  picture: null,
};
const bob = {
  sub: '1002',
  email: 'bob@example.org',
  emailVerified: true,
  name: 'Bob',
  picture: null,
};

describe.each(ENGINES)('account security contract on %s', (engineName) => {
  let engine: EngineUnderTest;
  let storage: Storage;
  let aliceId: number;
  let bobId: number;
  beforeEach(async () => {
    engine = await createEngine(engineName);
    storage = await engine.open();
    aliceId = (await storage.users.upsertFromGoogle(alice, new Date(T0))).id;
    bobId = (await storage.users.upsertFromGoogle(bob, new Date(T0))).id;
  });
  afterEach(() => engine.destroy());

  it("when Google names an account's sub, then its user is found; an unknown sub finds none", async () => {
    expect(await storage.accountSecurity.findUserId('1001')).toBe(aliceId);
    expect(await storage.accountSecurity.findUserId('1002')).toBe(bobId);
    expect(await storage.accountSecurity.findUserId('9999')).toBeUndefined();
  });

  it('when nothing was recorded, then get answers undefined', async () => {
    expect(await storage.accountSecurity.get(aliceId)).toBeUndefined();
  });

  it('when sessions are revoked twice, then the latest instant is kept, whatever the order', async () => {
    await storage.accountSecurity.revokeSessions(aliceId, T0 + 2000);
    await storage.accountSecurity.revokeSessions(aliceId, T0 + 1000); // an older event, late
    expect(await storage.accountSecurity.get(aliceId)).toEqual({
      sessionsRevokedAt: T0 + 2000,
      credentialChangeRequiredAt: null,
    });
    await storage.accountSecurity.revokeSessions(aliceId, T0 + 3000);
    expect((await storage.accountSecurity.get(aliceId))?.sessionsRevokedAt).toBe(T0 + 3000);
    expect(await storage.accountSecurity.get(bobId)).toBeUndefined();
  });

  it('when sign-in is disabled and enabled again, then only the reason changes, by sub', async () => {
    const security = storage.accountSecurity;
    await security.revokeSessions(aliceId, T0 + 500);
    expect(await security.setSignInState('1001', 'hijacking', T0)).toBe(true);
    expect(await security.signInDisabledReason('1001')).toBe('hijacking');
    expect(await security.signInDisabledReason('1002')).toBeUndefined();
    expect(await security.setSignInState('1001', null, T0 + 1000)).toBe(true);
    expect(await security.signInDisabledReason('1001')).toBeUndefined();
    expect((await security.get(aliceId))?.sessionsRevokedAt).toBe(T0 + 500);
  });

  it('when an older signal arrives after a newer one, then the one Google issued last stands', async () => {
    const security = storage.accountSecurity;
    expect(await security.setSignInState('1001', 'hijacking', T0 + 2000)).toBe(true);
    expect(await security.setSignInState('1001', null, T0 + 1000)).toBe(false); // enabled, earlier
    expect(await security.signInDisabledReason('1001')).toBe('hijacking');
    expect(await security.setSignInState('1001', null, T0 + 3000)).toBe(true);
    expect(await security.setSignInState('1001', 'bulk-account', T0 + 2500)).toBe(false);
    expect(await security.signInDisabledReason('1001')).toBeUndefined();
    // Google's `iat` has whole seconds: a signal of the same instant is not older, and applies.
    expect(await security.setSignInState('1001', 'bulk-account', T0 + 3000)).toBe(true);
    expect(await security.signInDisabledReason('1001')).toBe('bulk-account');
  });

  it("when the user is deleted, or was never one of ours, then Google's refusal of the sub stays", async () => {
    const security = storage.accountSecurity;
    await security.setSignInState('1001', 'hijacking', T0);
    await storage.users.delete(aliceId);
    expect(await security.signInDisabledReason('1001')).toBe('hijacking');
    await storage.users.upsertFromGoogle(alice, new Date(T0 + 1000));
    expect(await security.signInDisabledReason('1001')).toBe('hijacking');
    expect(await security.setSignInState('7777', 'bulk-account', T0)).toBe(true);
    expect(await security.signInDisabledReason('7777')).toBe('bulk-account');
  });

  it('when a credential change is required, then its latest instant is kept, whatever the order', async () => {
    await storage.accountSecurity.flagCredentialChange(bobId, T0 + 700);
    expect(await storage.accountSecurity.get(bobId)).toEqual({
      sessionsRevokedAt: null,
      credentialChangeRequiredAt: T0 + 700,
    });
    await storage.accountSecurity.flagCredentialChange(bobId, T0 + 900);
    expect((await storage.accountSecurity.get(bobId))?.credentialChangeRequiredAt).toBe(T0 + 900);
    await storage.accountSecurity.flagCredentialChange(bobId, T0 + 800); // older, late
    expect((await storage.accountSecurity.get(bobId))?.credentialChangeRequiredAt).toBe(T0 + 900);
  });

  it('when a user is deleted, then its signals go with it', async () => {
    await storage.accountSecurity.revokeSessions(aliceId, T0);
    await storage.users.delete(aliceId);
    expect(await storage.accountSecurity.get(aliceId)).toBeUndefined();
  });

  it('when an event id is claimed, then a second claim fails until it is released; pruned after its expiry', async () => {
    const events = storage.securityEvents;
    expect(await events.claim('jti-1', T0 + 1000)).toBe(true);
    expect(await events.claim('jti-1', T0 + 1000)).toBe(false);
    expect(await events.claim('jti-2', T0 + 5000)).toBe(true);
    await events.release('jti-1');
    expect(await events.claim('jti-1', T0 + 1000)).toBe(true);
    // Stored by a hash of the id, never the id itself.
    const rows = await engine.rows<{ jti_hash: string }>('SELECT jti_hash FROM security_events');
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.jti_hash)).not.toContain('jti-1');
    await events.prune(T0 + 1000); // expired at or before: gone
    expect(await events.claim('jti-1', T0 + 9000)).toBe(true);
    expect(await events.claim('jti-2', T0 + 5000)).toBe(false);
    await events.prune(T0 + 4999);
    expect(await events.claim('jti-2', T0 + 5000)).toBe(false);
  });
});
