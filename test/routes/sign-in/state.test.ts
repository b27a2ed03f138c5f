/** The state check of POST /gconnect (DESIGN step 3): 401 and no call to Google. */
import { describe, expect, it } from 'vitest';
import { expectNothingChanged } from '../../support/expectations.js';
import { type Harness, type Agent } from '../../support/harness.js';
import { getState, issueCode, sessionCookieOf } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
const scope = useHarness({}, (s) => (h = s.h));

describe('POST /gconnect: state refusals (401, and no call to Google)', () => {
  async function expectStateRefused(
    send: () => Promise<{ status: number; body: unknown }>,
    agent: Agent,
  ) {
    const rows = h.userRows().length;
    h.emulator.resetCalls();
    const res = await send();
    expect(res.status).toBe(401);
    expect(res.body).toBe('Invalid state parameter.');
    expect(h.emulator.calls('token')).toHaveLength(0);
    await expectNothingChanged(h, agent, rows);
  }

  it('when the state is missing, then 401', async () => {
    const agent = h.client();
    await getState(agent);
    await expectStateRefused(
      () => agent.post('/gconnect').type('text/plain').send(issueCode(h)),
      agent,
    );
  });

  it('when the state is wrong, then 401', async () => {
    const agent = h.client();
    await getState(agent);
    await expectStateRefused(
      () => agent.post('/gconnect?state=not-the-state').type('text/plain').send(issueCode(h)),
      agent,
    );
  });

  it('when the state belongs to another session, then 401', async () => {
    const victim = h.client();
    const attacker = h.client();
    const victimState = await getState(victim);
    await getState(attacker);
    await expectStateRefused(
      () => attacker.post(`/gconnect?state=${victimState}`).type('text/plain').send(issueCode(h)),
      attacker,
    );
  });

  it('when there is no session at all, then 401', async () => {
    const agent = h.client();
    const state = await getState(h.client());
    await expectStateRefused(
      () => agent.post(`/gconnect?state=${state}`).type('text/plain').send(issueCode(h)),
      agent,
    );
  });

  it('when the state is replayed after a failed attempt, then 401', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type('text/plain').send('bogus-code').expect(401);
    await expectStateRefused(
      () => agent.post(`/gconnect?state=${state}`).type('text/plain').send(issueCode(h)),
      agent,
    );
  });

  it('when the state is replayed with an old session cookie, then 401', async () => {
    const agent = h.client();
    const res = await agent.get('/login').set('Accept', 'application/json');
    const cookie = sessionCookieOf(res)!.split(';')[0]!;
    await agent
      .post(`/gconnect?state=${(res.body as { state: string }).state}`)
      .type('text/plain')
      .send(issueCode(h))
      .expect(200);
    // Replay the pre-sign-in cookie, which still names the state in its (old) session.
    const replay = h.client();
    await expectStateRefused(
      () =>
        replay
          .post(`/gconnect?state=${(res.body as { state: string }).state}`)
          .set('Cookie', cookie)
          .type('text/plain')
          .send(issueCode(h)),
      replay,
    );
  });

  it('when the state is older than 10 minutes, then 401', async () => {
    const agent = h.client();
    const state = await getState(agent);
    scope.advanceClock(10 * 60 * 1000 + 1000);
    await expectStateRefused(
      () => agent.post(`/gconnect?state=${state}`).type('text/plain').send(issueCode(h)),
      agent,
    );
  });
});
