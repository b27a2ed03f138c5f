/**
 * The app over HTTP on each engine, with two instances on one database: what the store
 * contract cannot show alone (express-session's writes, the limiter shared by instances).
 */
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { getState, sessionCookieOf, signInOk } from '../support/sign-in.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';

const ALICE = 'alice@example.com';
const TOO_MANY = 'Too many sign-in attempts; try again later.';

describe.each(ENGINES)('two instances on one %s database', (engineName) => {
  let engine: EngineUnderTest;
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    engine = await createEngine(engineName);
    const env = { DATABASE_URL: engine.url, RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' };
    a = await startHarness({ env });
    b = await startHarness({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await engine?.destroy();
  });

  const sessionRows = () =>
    engine.rows<{ sid: string; sess: string; expires_at: unknown }>(
      'SELECT sid, sess, expires_at FROM sessions ORDER BY sid',
    );

  it('when a signed-in user keeps viewing pages, then no session row is written', async () => {
    const agent = a.client().set('X-Forwarded-For', '192.0.2.50');
    await signInOk(a, agent, ALICE);
    await agent.get('/').expect(200); // shows (and so removes) the sign-in flash: one write
    const before = await sessionRows();
    for (let i = 0; i < 3; i++) {
      await agent.get('/me').expect(200);
      await agent.get('/').expect(200);
    }
    expect(await sessionRows()).toEqual(before);
  });

  it('when a client signs in through A, then B knows the session', async () => {
    const agent = a.client().set('X-Forwarded-For', '192.0.2.51');
    const res = await signInOk(a, agent, ALICE);
    const cookie = sessionCookieOf(res)?.split(';')[0] ?? '';
    const me = await supertest(b.url).get('/me').set('Cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ email: ALICE });
  });

  it('when a client fails sign-ins on both instances, then the limit counts them together, before any Google call', async () => {
    const ip = '203.0.113.77';
    const fail = (h: Harness) =>
      supertest(h.url)
        .post('/gconnect?state=wrong')
        .set('X-Forwarded-For', ip)
        .type('text/plain')
        .send('x');
    expect([(await fail(a)).status, (await fail(b)).status, (await fail(a)).status]).toEqual([
      401, 401, 401,
    ]);
    b.emulator.resetCalls();
    const code = b.emulator.issueCode({
      account: ALICE,
      clientId: 'test-client.apps.googleusercontent.com',
    });
    const refused = await supertest(b.url)
      .post('/gconnect?state=any')
      .set('X-Forwarded-For', ip)
      .type('text/plain')
      .send(code);
    expect(refused.status).toBe(429);
    expect(refused.body).toBe(TOO_MANY);
    expect(b.emulator.calls()).toHaveLength(0);
  });

  it('when 30 failing attempts of one client arrive at once on both instances, then only the limit (3) reach Google', async () => {
    const ip = '203.0.113.78';
    const harnesses = [a, b];
    // Each attempt with a state of its own, so each would be checked at Google.
    const attempts = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const h = harnesses[i % 2]!;
        const agent = h.client().set('X-Forwarded-For', ip);
        return { agent, state: await getState(agent) };
      }),
    );
    for (const h of harnesses) {
      h.emulator.resetCalls();
      // Google is slow: every attempt is in flight before the first refusal comes back.
      h.emulator.inject('token', { kind: 'hang', ms: 300 }, { times: 30 });
    }
    const responses = await Promise.all(
      attempts.map(({ agent, state }) =>
        agent
          .post(`/gconnect?state=${encodeURIComponent(state)}`)
          .type('text/plain')
          .send('not-a-code'),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array<number>(3).fill(401), ...Array<number>(27).fill(429)]);
    const exchanges = a.emulator.calls('token').length + b.emulator.calls('token').length;
    expect(exchanges).toBe(3);
    for (const h of harnesses) h.emulator.clearFaults();
  });
});
