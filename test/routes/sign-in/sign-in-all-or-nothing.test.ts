/**
 * A sign-in's writes after Google are one transaction (issue 23): a storage fault at the last
 * of them (the security log's entry) leaves nothing of the sign-in, on either engine: no user,
 * no grant, no new session, the old session as it was, and the browser keeps its old cookie.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT } from '../../support/client.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { failSecurityLogInserts } from '../../support/log-fault.js';
import { sessionCookieOf, sessionIdOf, signInOk } from '../../support/sign-in.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../../support/storage-engines.js';

const ACCOUNT = 'alice@example.com';

describe.each(ENGINES)('a sign-in whose last write fails on %s', (engineName) => {
  let engine: EngineUnderTest;
  let h: Harness;
  beforeAll(async () => {
    engine = await createEngine(engineName);
    h = await startHarness({ env: { DATABASE_URL: engine.url } });
  });
  afterAll(async () => {
    await h?.close();
    await engine?.destroy();
  });

  const count = async (sql: string, ...params: unknown[]) =>
    Number((await engine.rows<{ n: unknown }>(sql, ...params))[0]?.n);

  it('then 503, and no user, no grant, no new session: the old session stays; a retry signs in', async () => {
    const agent = h.client();
    const login = await agent.get('/login').set('Accept', 'application/json').expect(200);
    const oldSid = sessionIdOf(sessionCookieOf(login)!);
    const { state } = login.body as { state: string };
    const repair = await failSecurityLogInserts(engine.url);
    let repaired = false;
    try {
      const code = h.emulator.issueCode({ account: ACCOUNT, clientId: CLIENT.clientId });
      const res = await agent
        .post(`/gconnect?state=${encodeURIComponent(state)}`)
        .type('application/octet-stream')
        .send(code);
      expect(res.status, res.text).toBe(503);
      expect(sessionCookieOf(res)).toBeUndefined();

      expect(await count('SELECT count(*) AS n FROM users WHERE email = ?', ACCOUNT)).toBe(0);
      expect(await count('SELECT count(*) AS n FROM google_grants')).toBe(0);
      expect(await count('SELECT count(*) AS n FROM security_log')).toBe(0);
      expect(await count('SELECT count(*) AS n FROM sessions WHERE user_id IS NOT NULL')).toBe(0);
      expect(await count('SELECT count(*) AS n FROM sessions WHERE sid = ?', oldSid)).toBe(1);
      expect(await count('SELECT count(*) AS n FROM sessions')).toBe(1);

      await repair();
      repaired = true;
      // The same browser, with its old cookie, a new state and a new code.
      const retry = await signInOk(h, agent, ACCOUNT);
      const newSid = sessionIdOf(sessionCookieOf(retry)!);
      expect(newSid).not.toBe(oldSid);
      expect(await count('SELECT count(*) AS n FROM users WHERE email = ?', ACCOUNT)).toBe(1);
      expect(await count('SELECT count(*) AS n FROM google_grants')).toBe(1);
      expect(await count('SELECT count(*) AS n FROM security_log')).toBe(1);
      expect(await count('SELECT count(*) AS n FROM sessions WHERE sid = ?', oldSid)).toBe(0);
      expect(
        await count(
          'SELECT count(*) AS n FROM sessions WHERE sid = ? AND user_id IS NOT NULL',
          newSid,
        ),
      ).toBe(1);
      const me = await agent.get('/me').expect(200);
      expect(me.body).toMatchObject({ email: ACCOUNT });
    } finally {
      if (!repaired) await repair();
    }
  });
});
