/** Secrets stay secret: nothing logged, and the headers that protect the pages. */
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../../support/client.js';
import { type Harness } from '../../support/harness.js';
import { issueCode, sessionCookieOf } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

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

  it('sets helmet headers and a CSP that allows the GSI script by its URL and scripts by nonce', async () => {
    const res = await h.client().get('/login').expect(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toMatch(
      new RegExp(`script-src 'self' 'nonce-[^']+' ${h.emulator.url}/gsi/client;`),
    );
    expect(csp).not.toContain("'unsafe-inline'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(res.text).toContain(`nonce="${nonce}"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const cookie = sessionCookieOf(res)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('when two pages are served, then each names its own fresh nonce', async () => {
    const nonces = [];
    for (const path of ['/login', '/login?returnTo=/me']) {
      const res = await h.client().get(path).expect(200);
      const nonce = /'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
      expect(res.text).toContain(`nonce="${nonce}"`);
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('when the answer is JSON, then it has the same headers and a CSP that allows no inline script', async () => {
    const json = await h.client().get('/login').set('Accept', 'application/json').expect(200);
    const page = await h.client().get('/login').expect(200);
    const csp = String(json.headers['content-security-policy']);
    expect(csp).not.toContain("'nonce-");
    expect(csp).toBe(String(page.headers['content-security-policy']).replace(/ 'nonce-[^']+'/, ''));
    for (const name of ['x-content-type-options', 'x-frame-options', 'referrer-policy']) {
      expect(json.headers[name]).toBe(page.headers[name]);
      expect(json.headers[name]).toBeTruthy();
    }
  });
});
