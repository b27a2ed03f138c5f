/**
 * Google misbehaving, endpoint by endpoint: every wait and every read is bounded by
 * GOOGLE_TIMEOUT_MS and the response size limit, the answer is 502/504 with a short message,
 * and nothing is written (DESIGN "HTTP contract"; RFC 9700 §4 on treating the provider's
 * responses as untrusted input; ASVS 5.0 V16.5 on failing securely).
 */
import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Endpoint, Fault } from '../../emulator/server/emulator.js';
import { startHarness, type Harness, type Agent } from '../support/harness.js';
import { signIn } from '../support/sign-in.js';
import { snapshot } from '../support/database.js';
import { expectRefused, expectHarnessHealthy } from '../support/expectations.js';
import { useHarness } from '../support/use-harness.js';

const ALICE = 'alice@example.com';
const TARGET = 'dave.unverified@example.net';
const BAD_GATEWAY = 'Google answered with an error; try again.';
const TIMEOUT = 'Google did not answer in time; try again.';
const TEN_MB = 10 * 1024 * 1024;

/**
 * Each fault and its outcome. Trickle intervals are chosen so the full body would take longer
 * than the test's own timeout: a 504 proves the read itself is bounded by the deadline.
 */
const FAULTS: [string, Fault, number, string][] = [
  ['a 500', { kind: 'status', status: 500 }, 502, BAD_GATEWAY],
  [
    'a 503 HTML page',
    {
      kind: 'status',
      status: 503,
      body: '<html>Service Unavailable</html>',
      contentType: 'text/html',
    },
    502,
    BAD_GATEWAY,
  ],
  [
    'a 200 HTML page',
    { kind: 'status', status: 200, body: '<!doctype html><p>Sign in', contentType: 'text/html' },
    502,
    BAD_GATEWAY,
  ],
  [
    'truncated JSON',
    {
      kind: 'status',
      status: 200,
      body: '{"access_token": "ya29.',
      contentType: 'application/json',
    },
    502,
    BAD_GATEWAY,
  ],
  ['JSON of the wrong shape', { kind: 'status', status: 200, body: [1, 2, 3] }, 502, BAD_GATEWAY],
  ['a 10 MB body', { kind: 'huge', bytes: TEN_MB }, 502, BAD_GATEWAY],
  ['a hang', { kind: 'hang' }, 504, TIMEOUT],
  ['a body trickled a byte at a time', { kind: 'trickle', intervalMs: 100 }, 504, TIMEOUT],
];

describe.each<Endpoint>(['token', 'tokeninfo', 'userinfo'])('when %s misbehaves', (endpoint) => {
  let h: Harness;
  let db: Database.Database;
  useHarness({ env: { GOOGLE_TIMEOUT_MS: '700' }, reset: 'nothing' }, (s) => ({ h, db } = s));
  afterEach(async () => {
    h.emulator.clearFaults();
    h.emulator.resetCalls();
    await expectHarnessHealthy(h);
  });

  for (const [name, fault, status, message] of FAULTS) {
    it(`with ${name}, then ${status} and nothing is written`, async () => {
      h.emulator.inject(endpoint, fault);
      const agent: Agent = h.client();
      const before = snapshot(db);
      const res = await signIn(h, agent, TARGET);
      await expectRefused(res, { status, message }, agent, db, before);
      expect(res.text).not.toMatch(/html|Service Unavailable|access_token|internal_failure/i);
      // The code is exchanged once, never retried.
      expect(h.emulator.calls('token')).toHaveLength(1);
    });
  }

  it('when it answers an HTML error page, then the log records the failure without quoting Google', async () => {
    const logged = h.logs.length;
    h.emulator.inject(endpoint, FAULTS[1]![1]);
    expect((await signIn(h, h.client(), TARGET)).status).toBe(502);
    const lines = h.logs.slice(logged);
    expect(lines.join('')).toMatch(new RegExp(`"code":"google_${endpoint}_failed"`));
    for (const line of lines) {
      expect(line).not.toMatch(/Service Unavailable|<html|ya29\.|"access_token"/);
    }
  });
});

describe("Google's signing keys (certs) misbehave", () => {
  let h: Harness;
  let db: Database.Database;
  // One clock for the app, its cookies and the emulator, moved past the keys' max-age by hand.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  useHarness({ env: { GOOGLE_TIMEOUT_MS: '700' } }, (s) => ({ h, db } = s));
  const passMaxAge = () => vi.setSystemTime(Date.now() + 3601_000); // max-age is 3600 s

  describe('with a cold cache', () => {
    // A restarted app has fetched no keys yet: each of these starts from a cold cache.
    beforeEach(() => h.restart());
    for (const [name, fault, status, message] of [
      ...FAULTS,
      [
        'a JWK Set without one usable RSA signing key',
        { kind: 'status', status: 200, body: { keys: [{ kty: 'EC', kid: 'x', crv: 'P-256' }] } },
        502,
        BAD_GATEWAY,
      ] as [string, Fault, number, string],
    ]) {
      it(`with a cold cache and ${name}, then ${status}, nothing written, no userinfo call`, async () => {
        h.emulator.inject('certs', fault);
        const agent = h.client();
        const before = snapshot(db);
        const res = await signIn(h, agent, TARGET);
        await expectRefused(res, { status, message }, agent, db, before);
        expect(h.emulator.calls('userinfo')).toHaveLength(0);
      });
    }
  });

  it('with a warm cache past its max-age and certs unreachable (503), then sign-in still works on the known keys', async () => {
    const agent = h.client();
    const ok = await signIn(h, agent, ALICE);
    expect(ok.status, ok.text).toBe(200);
    h.emulator.resetCalls();
    passMaxAge();
    h.emulator.inject('certs', { kind: 'status', status: 503 }, { times: Infinity });
    const res = await signIn(h, h.client(), ALICE);
    expect(res.status, res.text).toBe(200);
    expect(h.emulator.calls('certs')).toHaveLength(1);
    // The failed refetch is not repeated for every sign-in.
    await signIn(h, h.client(), ALICE).then((r) => expect(r.status).toBe(200));
    expect(h.emulator.calls('certs')).toHaveLength(1);
  });

  it('with a warm cache past its max-age and certs hanging, then sign-in still works after the deadline', async () => {
    expect((await signIn(h, h.client(), ALICE)).status).toBe(200); // warms the cache
    passMaxAge();
    h.emulator.inject('certs', { kind: 'hang' }, { times: Infinity });
    const res = await signIn(h, h.client(), ALICE);
    expect(res.status, res.text).toBe(200);
  });
});

describe('revoke misbehaves at disconnect', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { GOOGLE_TIMEOUT_MS: '700' } });
  });
  afterAll(() => h.close());

  for (const [name, fault] of [
    ['hangs', { kind: 'hang' }],
    ['trickles', { kind: 'trickle', intervalMs: 100 }],
    ['answers 10 MB', { kind: 'huge', bytes: TEN_MB }],
  ] as [string, Fault][]) {
    it(`when revoke ${name}, then the session still ends within the deadline`, async () => {
      const agent = h.client();
      expect((await signIn(h, agent, ALICE)).status).toBe(200);
      h.emulator.inject('revoke', fault);
      await agent.post('/gdisconnect').expect(200, '"Successfully disconnected."');
      await agent.get('/me').expect(401);
    });
  }
});
