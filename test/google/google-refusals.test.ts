// When Google refuses a call, the log says which OAuth error and its usual cause, and nothing secret.
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import type { Agent, Harness } from '../support/harness.js';
import { getState } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const ALICE = 'alice@example.com';

interface LogLine {
  level: number;
  msg: string;
  google?: { call: string; status: number; error: string; description?: string };
  hint?: string;
}

function refusalsIn(h: Harness): LogLine[] {
  return h.logs
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.level === 40 && l.msg.startsWith('Google refused'));
}

/** Posts `code` to /gconnect with a fresh state, as the page does. */
async function postCode(agent: Agent, code: string) {
  const state = await getState(agent);
  return agent
    .post(`/gconnect?state=${encodeURIComponent(state)}`)
    .type('application/octet-stream')
    .send(code);
}

describe('Google refusals, logged with a hint', () => {
  let h: Harness;
  useHarness({}, (s) => (h = s.h));

  it('when the code was already used (invalid_grant), then a warning names it and the usual cause, never the code', async () => {
    const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
    expect((await postCode(h.client(), code)).status).toBe(200);
    const before = h.logs.length;
    const refused = await postCode(h.client(), code);
    expect([refused.status, refused.body]).toEqual([
      401,
      'Failed to upgrade the authorization code.',
    ]);
    const [warning, ...more] = refusalsIn(h).filter((w) => w.google?.error === 'invalid_grant');
    expect(more).toEqual([]);
    expect(warning).toMatchObject({
      google: { call: 'token', status: 400, error: 'invalid_grant' },
      msg: expect.stringMatching(
        /^Google refused the token call: invalid_grant: the code was already used/,
      ) as unknown,
    });
    expect(h.logs.slice(before).join('')).not.toContain(code);
  });

  it('when the redirect URI is not registered (redirect_uri_mismatch), then the hint says where to register it', async () => {
    h.emulator.inject('token', {
      kind: 'status',
      status: 400,
      body: { error: 'redirect_uri_mismatch', error_description: 'Bad Request' },
    });
    const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
    expect((await postCode(h.client(), code)).status).toBe(401);
    const warnings = refusalsIn(h).filter((w) => w.google?.error === 'redirect_uri_mismatch');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      google: { call: 'token', status: 400, description: 'Bad Request' },
      hint: expect.stringContaining('authorized redirect URI') as unknown,
    });
  });

  it("when tokeninfo refuses (invalid_request), then the 500 carries Google's code and the log its hint", async () => {
    h.emulator.inject('tokeninfo', {
      kind: 'status',
      status: 400,
      body: { error: 'invalid_request', error_description: 'Invalid Credentials' },
    });
    const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
    const res = await postCode(h.client(), code);
    expect([res.status, res.body]).toEqual([500, 'invalid_request']);
    expect(refusalsIn(h).filter((w) => w.google?.call === 'tokeninfo')).toEqual([
      expect.objectContaining({
        google: {
          call: 'tokeninfo',
          status: 400,
          error: 'invalid_request',
          description: 'Invalid Credentials',
        },
      }),
    ]);
  });

  it('when Google answers without an OAuth error code (a 5xx), then there is no refusal warning', async () => {
    const before = refusalsIn(h).length;
    h.emulator.inject('token', { kind: 'status', status: 503, body: 'down' });
    const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
    expect((await postCode(h.client(), code)).status).toBe(502);
    expect(refusalsIn(h)).toHaveLength(before);
  });
});

describe('Google refusals of a wrong client secret', () => {
  let h: Harness;
  useHarness({ env: { GOOGLE_CLIENT_SECRET: 'wrong-secret-value' } }, (s) => (h = s.h));

  it('when the secret is wrong (invalid_client), then the warning says to check the client settings, never the secret', async () => {
    const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
    expect((await postCode(h.client(), code)).status).toBe(401);
    const [warning] = refusalsIn(h);
    expect(warning).toMatchObject({
      google: { call: 'token', status: 401, error: 'invalid_client' },
      hint: expect.stringContaining('GOOGLE_CLIENT_SECRET') as unknown,
    });
    const all = h.logs.join('');
    expect(all).not.toContain('wrong-secret-value');
    expect(all).not.toContain(code);
  });
});
