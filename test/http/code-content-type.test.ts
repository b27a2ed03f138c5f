import { describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import type { Agent, Harness } from '../support/harness.js';
import { getState } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const ACCOUNT = 'alice@example.com';
let h: Harness;
useHarness({}, (s) => ({ h } = s));

/** Posts a valid state and a fresh code to /gconnect as `type` (no body nor Content-Type when null). */
async function postCode(agent: Agent, type: string | null, body: (code: string) => string) {
  const state = await getState(agent);
  const code = h.emulator.issueCode({ account: ACCOUNT, clientId: CLIENT.clientId });
  const post = agent.post(`/gconnect?state=${encodeURIComponent(state)}`);
  // No send() without a type: supertest would add a form Content-Type even for an empty body.
  return type === null ? post : post.set('Content-Type', type).send(body(code));
}

// The 415 answer itself and form-encoded codes are tested in security/requests.test.ts.
describe('the content types POST /gconnect takes: beyond the 415 answer', () => {
  it('when a content type is refused, then the log names it with its code and status', async () => {
    const logged = h.logs.length;
    const res = await postCode(h.client(), 'application/xml', (code) => `<code>${code}</code>`);
    expect(res.status).toBe(415);
    const refusal = h.logs.slice(logged).find((line) => line.includes('"request refused"'));
    expect(JSON.parse(refusal ?? '{}')).toMatchObject({
      code: 'unsupported_content_type',
      status: 415,
    });
  });

  it('when the request has no Content-Type, then it is not refused as a type but as a missing code', async () => {
    const res = await postCode(h.client(), null, () => '');
    expect(res.status).toBe(400);
    expect(res.body).toBe('Missing authorization code.');
  });

  it('when the code comes as JSON, then the sign-in succeeds', async () => {
    const json = await postCode(h.client(), 'application/json', (code) => JSON.stringify({ code }));
    expect(json.status, json.text).toBe(200);
  });
});
