/** Secrets stay secret: nothing logged, and the headers that protect the pages. */
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import { type Harness } from '../support/harness.js';
import { issueCode, sessionCookieOf } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));

describe('secrets stay secret', () => {
  it('when signing in and out, then no code, token, state, secret or session id is logged', async () => {
    h.logs.length = 0;
    const agent = h.client();
    const first = await agent.get('/login').set('Accept', 'application/json');
    const c = issueCode(h);
    const res = await agent
      .post(`/gconnect?state=${(first.body as { state: string }).state}`)
      .type('text/plain')
      .send(c)
      .expect(200);
    await agent.get('/me').expect(200);
    await agent.post('/gdisconnect').expect(200);
    const sid = decodeURIComponent(sessionCookieOf(res)!.split(';')[0]!.split('=')[1]!);
    const text = h.logs.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [
      c,
      (first.body as { state: string }).state,
      sid,
      sid.slice(2, 34),
      CLIENT.clientSecret,
      'ya29.',
      'session-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('sets helmet headers and a CSP that allows the GSI script by host and scripts by nonce', async () => {
    const res = await h.client().get('/login').expect(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain(`script-src 'self' 'nonce-`);
    expect(csp).toContain(h.emulator.url);
    expect(csp).not.toContain("'unsafe-inline'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(res.text).toContain(`nonce="${nonce}"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const cookie = sessionCookieOf(res)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});
