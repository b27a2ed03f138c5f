/** POST /gdisconnect and POST /logout. */
import { describe, expect, it } from 'vitest';
import { type Harness } from '../../support/harness.js';
import { sessionCookieOf, signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));
const ALICE = 'alice@example.com';

describe('account routes', () => {
  it('when disconnecting, then the token is revoked at Google and the session ends', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    h.emulator.resetCalls();
    const res = await agent.post('/gdisconnect').expect(200);
    expect(res.body).toBe('Successfully disconnected.');
    expect(h.emulator.calls('revoke')).toHaveLength(1);
    await agent.get('/me').expect(401);
  });

  it('when disconnecting and Google fails to revoke, then the session still ends', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    h.emulator.inject('revoke', { kind: 'status', status: 503, body: 'down' });
    await agent.post('/gdisconnect').expect(200);
    await agent.get('/me').expect(401);
  });

  it('when an HTML form disconnects, then it is redirected home', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    await agent
      .post('/gdisconnect')
      .set('Accept', 'text/html')
      .type('form')
      .send('')
      .expect(303)
      .expect('Location', '/');
  });

  it('when not signed in, then disconnect is 401 "Current user not connected."', async () => {
    const res = await h.client().post('/gdisconnect').expect(401);
    expect(res.body).toBe('Current user not connected.');
  });

  it('when logging out, then 303 to / and the old cookie is anonymous', async () => {
    const agent = h.client();
    const signed = await signInOk(h, agent, ALICE);
    const cookie = sessionCookieOf(signed)!.split(';')[0]!;
    h.emulator.resetCalls();
    await agent.post('/logout').expect(303).expect('Location', '/');
    expect(h.emulator.calls('revoke')).toHaveLength(0);
    await h.client().get('/me').set('Cookie', cookie).expect(401);
  });
});
