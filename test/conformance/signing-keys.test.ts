/**
 * Google's signing keys: key ids, the JWK Set and rotation, after the oidcc-client-basic and
 * -config test plans (kid-absent-single-jwks, kid-absent-multiple-jwks, signing-key-rotation),
 * OpenID Connect Core 1.0 §10.1 (kid required only when several keys) and §10.1.1 (rotation:
 * "the RP … retrieves the keys again when it sees an unfamiliar kid"), and RFC 7517 §4-5.
 */
import { generateKeyPairSync } from 'node:crypto';
import type Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import { type Harness, type Agent } from '../support/harness.js';
import { getState, signIn, signInOk } from '../support/sign-in.js';
import { snapshot } from '../support/database.js';
import { expectRefused } from '../support/expectations.js';
import { useHarness } from '../support/use-harness.js';

const ALICE = 'alice@example.com';
const TARGET = 'dave.unverified@example.net';

async function signInRefused(h: Harness, db: Database.Database): Promise<void> {
  const agent: Agent = h.client();
  const before = snapshot(db);
  const res = await signIn(h, agent, TARGET);
  await expectRefused(res, { status: 401, message: 'Invalid ID token.' }, agent, db, before);
}

const certsCalls = (h: Harness) => h.emulator.calls('certs').length;

describe('key ids (OpenID Connect Core §10.1): one key published', () => {
  let h: Harness;
  useHarness({ reset: 'faults' }, (s) => (h = s.h));

  it('oidcc-client-test-kid-absent-single-jwks: when the header has no kid and one key is published, then accepted', async () => {
    h.emulator.inject('token', { kind: 'idToken', header: { kid: null } });
    await signInOk(h, h.client(), ALICE);
  });
});

// Its own emulator: the rotation below would publish a second key for any test after it.
describe('key ids (OpenID Connect Core §10.1): several keys published', () => {
  let h: Harness;
  let db: Database.Database;
  useHarness({ reset: 'faults' }, (s) => ({ h, db } = s));

  it('oidcc-client-test-kid-absent-multiple-jwks: when the header has no kid and several keys are published, then 401', async () => {
    await h.emulator.rotateKey({ keepOld: true });
    // A token naming the new key makes the app learn both keys first; then a kid-less one.
    await signInOk(h, h.client(), ALICE);
    h.emulator.inject('token', { kind: 'idToken', header: { kid: null } });
    h.emulator.resetCalls();
    await signInRefused(h, db);
    expect(h.emulator.calls('userinfo')).toHaveLength(0);
  });
});

describe('a JWK Set with keys of other types beside the real one (RFC 7517 §5)', () => {
  let h: Harness;
  let db: Database.Database;
  const foreign = () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    });
    const okp = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const rsaEnc = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      format: 'jwk',
    });
    return [
      { ...ec, kid: 'ec-key', use: 'sig', alg: 'ES256' },
      { ...okp, kid: 'okp-key', use: 'sig', alg: 'EdDSA' },
      // A symmetric key holding our client secret: what an alg-confusion attack would want.
      {
        kty: 'oct',
        kid: 'oct-key',
        alg: 'HS256',
        k: Buffer.from(CLIENT.clientSecret).toString('base64url'),
      },
      { ...rsaEnc, kid: 'rsa-enc-key', use: 'enc', alg: 'RSA-OAEP' },
      { kty: 'RSA', kid: 'broken-rsa', e: 'AQAB', n: '***' },
      { kty: 'ML-DSA-65', kid: 'post-quantum', pub: 'AAAA' },
      { kid: 'no-kty' },
      { kty: 'RSA' },
    ];
  };

  // max-age=0: every sign-in reads the JWK Set again, so each case sees the injected keys.
  useHarness({ emulatorOptions: { certsMaxAgeSeconds: 0 } }, (s) => ({ h, db } = s));

  it('when foreign keys sit beside the real one, then a token signed by the real key is accepted', async () => {
    h.emulator.inject('certs', { kind: 'extraKeys', jwks: foreign() }, { times: Infinity });
    await signInOk(h, h.client(), ALICE);
    expect(certsCalls(h)).toBeGreaterThanOrEqual(1);
  });

  it('when foreign keys sit beside the real one and the header has no kid, then the one RSA signing key is used', async () => {
    h.emulator.inject('certs', { kind: 'extraKeys', jwks: foreign() }, { times: Infinity });
    h.emulator.inject('token', { kind: 'idToken', header: { kid: null } });
    await signInOk(h, h.client(), ALICE);
  });

  it('when an HS256 token names the symmetric key holding our client secret, then 401', async () => {
    h.emulator.inject('certs', { kind: 'extraKeys', jwks: foreign() }, { times: Infinity });
    h.emulator.inject('token', {
      kind: 'idToken',
      sign: 'hs256-client-secret',
      header: { kid: 'oct-key' },
    });
    await signInRefused(h, db);
  });

  for (const kid of ['ec-key', 'okp-key', 'rsa-enc-key', 'broken-rsa']) {
    it(`when the token's kid names the non-signing or unusable key "${kid}", then 401`, async () => {
      h.emulator.inject('certs', { kind: 'extraKeys', jwks: foreign() }, { times: Infinity });
      h.emulator.inject('token', { kind: 'idToken', header: { kid } });
      await signInRefused(h, db);
    });
  }
});

describe('oidcc-client-test-signing-key-rotation (OpenID Connect Core §10.1.1)', () => {
  let h: Harness;
  let db: Database.Database;
  let offset = 0;
  /** The app's refetch interval for unknown key ids (KEY_REFETCH_INTERVAL_MS). */
  const INTERVAL_MS = 60_000;

  useHarness({ now: () => Date.now() + offset, reset: 'faults' }, (s) => ({ h, db } = s));
  // Each test starts from a cold key cache and a clean call log, whatever ran before it.
  beforeEach(async () => {
    await h.restart();
    h.emulator.resetCalls();
  });

  it('when Google rotates to a new key (old one withdrawn), then the next sign-in succeeds after exactly one certs refetch', async () => {
    await signInOk(h, h.client(), ALICE);
    expect(certsCalls(h)).toBe(1);
    await h.emulator.rotateKey({ keepOld: false });
    await signInOk(h, h.client(), 'bob@example.org');
    expect(certsCalls(h)).toBe(2);
    // The new key is cached now: no more fetches.
    await signInOk(h, h.client(), ALICE);
    expect(certsCalls(h)).toBe(2);
  });

  it('when Google rotates again an interval later (old one kept), then again exactly one refetch', async () => {
    await signInOk(h, h.client(), ALICE); // the current keys, cached
    offset += INTERVAL_MS + 1000;
    const before = certsCalls(h);
    await h.emulator.rotateKey({ keepOld: true });
    await signInOk(h, h.client(), ALICE);
    expect(certsCalls(h) - before).toBe(1);
  });

  it('when 50 sign-ins arrive with unknown key ids, then exactly one refetch per interval', async () => {
    await signInOk(h, h.client(), ALICE); // the current keys, cached
    offset += INTERVAL_MS + 1000;
    for (let round = 0; round < 2; round++) {
      const before = certsCalls(h);
      const userinfoBefore = h.emulator.calls('userinfo').length;
      h.emulator.inject('token', { kind: 'idToken', sign: 'unknown-key' }, { times: 50 });
      const agents = Array.from({ length: 50 }, () => h.client());
      const states = await Promise.all(agents.map((a) => getState(a)));
      const results = await Promise.all(
        agents.map((agent, i) =>
          agent
            .post(`/gconnect?state=${states[i]}`)
            .type('text/plain')
            .send(h.emulator.issueCode({ account: TARGET, clientId: CLIENT.clientId })),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array<number>(50).fill(401));
      expect(certsCalls(h) - before).toBe(1);
      expect(h.emulator.calls('userinfo').length).toBe(userinfoBefore);
      // A genuine token is still accepted: the flood did not poison the cache.
      await signInOk(h, h.client(), ALICE);
      offset += INTERVAL_MS + 1000;
    }
    expect(db.prepare('SELECT count(*) AS n FROM users WHERE email = ?').get(TARGET)).toEqual({
      n: 0,
    });
  });

  it('when an unknown kid arrives within the interval after a refetch, then no further refetch', async () => {
    await signInOk(h, h.client(), ALICE); // the current keys, cached
    h.emulator.inject('token', { kind: 'idToken', sign: 'unknown-key' });
    await signInRefused(h, db); // uses this interval's refetch
    const before = certsCalls(h);
    h.emulator.inject('token', { kind: 'idToken', sign: 'unknown-key' }, { times: 5 });
    for (let i = 0; i < 5; i++) await signInRefused(h, db);
    expect(certsCalls(h)).toBe(before);
  });
});
