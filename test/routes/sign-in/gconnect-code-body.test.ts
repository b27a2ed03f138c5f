/** The code in the body of POST /gconnect: size, presence, JSON. */
import { describe, expect, it } from 'vitest';
import { Messages } from '../../../src/core/errors.js';
import { type Harness } from '../../support/harness.js';
import { getState } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));

describe('POST /gconnect: request body', () => {
  it('when the body is over 4 KiB, then 413', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent
      .post(`/gconnect?state=${state}`)
      .type('text/plain')
      .send('x'.repeat(5000))
      .expect(413);
    await agent.get('/me').expect(401);
  });

  it.each([
    ['a form', 'form', `code=${'x'.repeat(5000)}`],
    ['JSON', 'json', JSON.stringify({ code: 'x'.repeat(5000) })],
  ])('when %s body is over 4 KiB, then 413', async (_kind, type, body) => {
    const agent = h.client();
    const state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type(type).send(body).expect(413);
  });

  it('when the JSON is not an object (a bare string), then 400 malformed body', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const res = await agent.post(`/gconnect?state=${state}`).type('json').send('"4/0Acode"');
    expect(res.status).toBe(400);
    expect(res.body).toBe(Messages.malformedBody);
  });

  it('when there is no code, then 400', async () => {
    const agent = h.client();
    const state = await getState(agent);
    const res = await agent.post(`/gconnect?state=${state}`).type('json').send({}).expect(400);
    expect(res.body).toBe('Missing authorization code.');
  });

  it('when the JSON is malformed, then 400', async () => {
    const agent = h.client();
    const state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type('json').send('{"code":').expect(400);
  });
});
