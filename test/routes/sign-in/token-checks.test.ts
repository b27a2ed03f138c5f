/**
 * What Google answers is checked before anyone is signed in: the code exchange's refusal and the
 * tokeninfo checks. The ID token's checks are in test/conformance/, Google's failures in
 * test/security/google-faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { expectNothingChanged } from '../../support/expectations.js';
import { type Harness } from '../../support/harness.js';
import { getState, issueCode, signIn } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));
const ALICE = 'alice@example.com';

describe('POST /gconnect: Google refusals', () => {
  async function refused(setup: () => void, status: number, message: string, account = ALICE) {
    setup();
    const agent = h.client();
    const rows = h.userRows().length;
    const res = await signIn(h, agent, account);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toBe(message);
    await expectNothingChanged(h, agent, rows);
    return res;
  }

  it('when the code was already used (invalid_grant), then 401 "Failed to upgrade"', async () => {
    const agent = h.client();
    const c = issueCode(h);
    let state = await getState(agent);
    await agent.post(`/gconnect?state=${state}`).type('text/plain').send(c).expect(200);
    const other = h.client();
    state = await getState(other);
    const res = await other.post(`/gconnect?state=${state}`).type('text/plain').send(c).expect(401);
    expect(res.body).toBe('Failed to upgrade the authorization code.');
    await other.get('/me').expect(401);
  });

  it("when tokeninfo's sub differs, then 401 and no user", async () => {
    await refused(
      () =>
        h.emulator.inject('tokeninfo', {
          kind: 'claims',
          claims: { sub: '999999999999999999999' },
        }),
      401,
      "Token's user ID doesn't match given user ID.",
      'dave.unverified@example.net',
    );
  });

  it("when tokeninfo's aud differs, then 401 and no user", async () => {
    await refused(
      () =>
        h.emulator.inject('tokeninfo', {
          kind: 'claims',
          claims: { aud: 'someone-else.apps.googleusercontent.com' },
        }),
      401,
      "Token's client ID does not match app's.",
      'dave.unverified@example.net',
    );
  });

  it('when tokeninfo answers with an error, then 500 with that error', async () => {
    await refused(
      () =>
        h.emulator.inject('tokeninfo', {
          kind: 'status',
          status: 400,
          body: { error: 'invalid_token', error_description: 'Invalid Value' },
        }),
      500,
      'invalid_token',
      'dave.unverified@example.net',
    );
  });
});
