import { describe, expect, it } from 'vitest';
import type { Harness } from '../../support/harness.js';
import { sessionCookieOf, signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => ({ h } = s));

describe('the session cookie when a session ends', () => {
  it('when a user logs out, then the cookie is cleared with the attributes it was set with', async () => {
    const agent = h.client();
    const signedIn = await signInOk(h, agent, 'alice@example.com');
    const set = sessionCookieOf(signedIn);
    expect(set).toMatch(/; Path=\//);
    const res = await agent.post('/logout').expect(303);
    const cleared = sessionCookieOf(res) ?? '';
    // A browser only deletes a cookie whose name, path and domain match the one it holds.
    expect(cleared).toMatch(/^sid=;/);
    expect(cleared).toMatch(/; Path=\/(;|$)/);
    expect(cleared).toMatch(/; Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
    expect(cleared).toMatch(/; HttpOnly/);
    expect(cleared).toMatch(/; SameSite=Lax/);
  });
});
