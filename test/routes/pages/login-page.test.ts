/** GET /login, /healthz and unknown pages. */
import { describe, expect, it } from 'vitest';
import { type Harness } from '../../support/harness.js';
import { signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
useHarness({}, (s) => (h = s.h));
const ALICE = 'alice@example.com';

describe('GET /login', () => {
  it('when viewed, then it shows a fresh ≥128-bit state on exactly one data-state element', async () => {
    const agent = h.client();
    const res = await agent
      .get('/login')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const states = [...res.text.matchAll(/data-state="([^"]*)"/g)].map((m) => m[1]);
    expect(states).toHaveLength(1);
    expect(states[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await agent.get('/login').expect(200);
    expect(again.text).not.toContain(states[0]);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
  });

  it('when asked for JSON, then it answers {"state": …}', async () => {
    const res = await h.client().get('/login').set('Accept', 'application/json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect((res.body as { state: string }).state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('when signed in, then the page shows who is signed in', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    const res = await agent.get('/login').expect(200);
    expect(res.text).toContain('Alice Example');
    expect(res.text).toContain('alice@example.com');
  });
});

describe('other pages', () => {
  it('GET /healthz answers ok while the database answers', async () => {
    await h.client().get('/healthz').expect(200, { status: 'ok' });
  });

  it('when a page does not exist, then 404', async () => {
    await h.client().get('/nope').expect(404);
  });
});
