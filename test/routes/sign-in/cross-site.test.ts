/** Every POST is refused when it is cross-site (Fetch Metadata / Origin rule). */
import { describe, expect, it } from 'vitest';
import { type Harness } from '../../support/harness.js';
import { getState, issueCode } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));

describe('POST /gconnect: cross-site refusals', () => {
  it('when the request is cross-site by Fetch Metadata, then 403 before anything else', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Sec-Fetch-Site', 'cross-site')
      .type('text/plain')
      .send(issueCode(h))
      .expect(403);
    expect(h.emulator.calls('token')).toHaveLength(0);
    await agent.get('/me').expect(401);
  });

  it('when the Origin is another site, then 403; when it is this site, then it goes through', async () => {
    const agent = h.client();
    let state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Origin', 'https://evil.example')
      .type('text/plain')
      .send(issueCode(h))
      .expect(403);
    state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Origin', h.url)
      .type('text/plain')
      .send(issueCode(h))
      .expect(200);
  });

  it('when Sec-Fetch-Site is same-origin, then it goes through', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .set('Sec-Fetch-Site', 'same-origin')
      .type('text/plain')
      .send(issueCode(h))
      .expect(200);
  });
});
