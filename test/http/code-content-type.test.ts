import { describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import type { Agent, Harness } from '../support/harness.js';
import { getState } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const ACCOUNT = 'alice@example.com';
let h: Harness;
useHarness({}, (s) => ({ h } = s));

/** Posts a valid state and a fresh code to /gconnect as `type` (no Content-Type when null). */
async function postCode(agent: Agent, type: string | null, body: (code: string) => string) {
  const state = await getState(agent);
  const code = h.emulator.issueCode({ account: ACCOUNT, clientId: CLIENT.clientId });
  const post = agent.post(`/gconnect?state=${encodeURIComponent(state)}`);
  return (type === null ? post : post.set('Content-Type', type)).send(body(code));
}

describe('the content types POST /gconnect takes', () => {
  it('when a valid code comes as XML, then 415 with the contract message, before Google is asked', async () => {
    const logged = h.logs.length;
    const res = await postCode(h.client(), 'application/xml', (code) => `<code>${code}</code>`);
    expect(res.status).toBe(415);
    expect(res.body).toBe('Unsupported content type.');
    expect(h.emulator.calls()).toHaveLength(0);
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

  it('when the code comes as a form or as JSON, then the sign-in succeeds', async () => {
    const form = await postCode(h.client(), 'application/x-www-form-urlencoded', (code) =>
      new URLSearchParams({ code }).toString(),
    );
    expect(form.status, form.text).toBe(200);
    const json = await postCode(h.client(), 'application/json', (code) => JSON.stringify({ code }));
    expect(json.status, json.text).toBe(200);
  });
});
