/**
 * Google hanging for many sign-ins at once must not starve the healthy ones: each call to Google
 * gets its own connection rather than queueing behind a small socket pool that hung calls fill
 * (at 64 sockets, 80 hung code exchanges left every later sign-in waiting out its own deadline).
 */
import { describe, expect, it } from 'vitest';
import { signIn } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';
import { waitUntil } from '../support/wait-until.js';

const HUNG = 80;
// Long enough that the hung calls are all still in flight when the healthy sign-in runs.
const scope = useHarness({ env: { GOOGLE_TIMEOUT_MS: '20000' } });

describe('hanging Google calls', () => {
  it(`when ${HUNG} code exchanges hang at Google, then a healthy sign-in still succeeds`, async () => {
    const { h } = scope;
    h.emulator.inject('token', { kind: 'hang' }, { times: HUNG });
    const hung = Array.from({ length: HUNG }, () =>
      signIn(h, h.client(), 'alice@example.com').then(
        (res) => res.status,
        () => 'cut',
      ),
    );
    await waitUntil(
      `${HUNG} hung code exchanges to reach Google`,
      () => h.emulator.calls('token').length === HUNG,
    );

    const res = await signIn(h, h.client(), 'bob@example.org');
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('Welcome');

    // The hung ones end with the emulator (or their deadline), none of them a welcome.
    await h.emulator.close();
    expect((await Promise.all(hung)).filter((status) => status === 200)).toEqual([]);
  });
});
