// The pages' words: what a person reads after signing in, when it fails, and on every page.
import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { Harness } from '../../support/harness.js';
import { redirectSignIn, signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

const DAVE = 'dave.unverified@example.net';

describe('pages for a signed-in person', () => {
  let h: Harness;
  useHarness({}, (s) => (h = s.h));

  it('when an account signs in for the first time, then home says "Welcome"; on a later sign-in, "Welcome back"', async () => {
    const first = h.client();
    await signInOk(h, first, 'bob@example.org');
    const firstHome = (await first.get('/').expect(200)).text;
    expect(firstHome).toContain('<h1>Welcome, Bob Builder</h1>');
    expect(firstHome).toContain('This is your first sign-in here');

    const later = h.client();
    await signInOk(h, later, 'bob@example.org');
    const laterHome = (await later.get('/').expect(200)).text;
    expect(laterHome).toContain('<h1>Welcome back, Bob Builder</h1>');
    expect(laterHome).not.toContain('first sign-in');
    expect(laterHome).toContain('<a href="/account">Your account</a>');
  });

  it('when the email is not verified by Google, then the greeting, home and the sign-in page say so', async () => {
    const agent = h.client();
    const greeting = await signInOk(h, agent, DAVE);
    const unverified = `${DAVE} <span class="unverified">(not verified by Google)</span>`;
    expect(greeting.text).toContain(unverified);
    expect((await agent.get('/').expect(200)).text).toContain(unverified);
    expect((await agent.get('/login').expect(200)).text).toContain(unverified);
  });

  it('when a signed-in page is rendered again, then no partial is looked up on disk (compiled once, included by absolute path)', async () => {
    const agent = h.client();
    await signInOk(h, agent, 'alice@example.com');
    await agent.get('/').expect(200);
    const lookups = vi.spyOn(fs, 'existsSync');
    try {
      expect((await agent.get('/').expect(200)).text).toContain('<h1>Welcome');
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });

  it('when the email is verified, then it is shown plainly', async () => {
    const agent = h.client();
    const greeting = await signInOk(h, agent, 'alice@example.com');
    expect(greeting.text).toContain('<p class="email">alice@example.com</p>');
    expect((await agent.get('/').expect(200)).text).not.toContain('not verified');
  });

  // The welcome flash keeps the HTTP contract's exact words ("You are now logged in as NAME");
  // every other word on the pages says "Sign in" and "Sign out".
  it('when signed in, then the pages say "Sign in" and "Sign out", never "log in" or "log out"', async () => {
    const agent = h.client();
    await signInOk(h, agent, 'alice@example.com');
    const home = (await agent.get('/').expect(200)).text;
    expect(home).toContain('You are now logged in as Alice Example');
    expect(home).toContain('>Sign out</button>');
    const login = (await agent.get('/login').expect(200)).text;
    expect(login).toContain('<h1>Sign in</h1>');
    for (const page of [home, login, (await h.client().get('/').expect(200)).text]) {
      const words = page
        .replace(/<script[\s\S]*?<\/script>|<[^>]*>/g, ' ')
        .replace('You are now logged in as', ' ');
      expect(words).not.toMatch(/\b(log ?in|log ?out|logged)\b/i);
    }
  });
});

describe('the sign-in page carries on to returnTo', () => {
  let h: Harness;
  useHarness({ reset: 'nothing' }, (s) => (h = s.h));

  it('when /login has a same-origin returnTo, then the page (and its redirect link) go there', async () => {
    const page = (await h.client().get('/login?returnTo=%2Fme%3Fx%3D1').expect(200)).text;
    expect(page).toContain('data-return-to="/me?x=1"');
    expect(page).toContain('href="/auth/google?returnTo=%2Fme%3Fx%3D1"');
  });

  it('when /login has a returnTo to another site, then the page goes home', async () => {
    const page = (await h.client().get('/login?returnTo=//evil.example/').expect(200)).text;
    expect(page).toContain('data-return-to="/"');
    expect(page).not.toContain('evil.example');
  });
});

describe('error pages speak to a person', () => {
  let h: Harness;
  useHarness({ env: { ALLOWED_DOMAINS: 'example.com' } }, (s) => (h = s.h));

  it('when a not-allowed account comes back by redirect, then a clean address and a page that names the allowed domain', async () => {
    const agent = h.client();
    const res = await redirectSignIn(h, agent, 'bob@example.org');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/sign-in-failed?reason=account_not_allowed&status=403');
    const page = await agent.get(String(res.headers.location)).set('Accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.text).toContain('<h1>This account cannot sign in here</h1>');
    expect(page.text).toContain('Only accounts of example.com');
    expect(page.text).toContain('>Use another account</a>');
    await agent.get('/me').expect(401);
  });

  it('when the failure page is given something that is not a code or a status, then a generic 400 page that repeats nothing', async () => {
    const page = await h
      .client()
      .get('/sign-in-failed?reason=%3Cscript%3E&status=200')
      .set('Accept', 'text/html');
    expect(page.status).toBe(400);
    expect(page.text).toContain('<h1>Sign-in failed</h1>');
    expect(page.text).not.toMatch(/script%3E|<script>/);
  });

  it('when a JSON client fails the callback, then it still gets the status and the JSON message', async () => {
    const res = await h.client().get('/auth/google/callback?code=c&state=s').expect(401);
    expect(res.body).toBe('Invalid state parameter.');
  });
});

describe('favicon', () => {
  let h: Harness;
  useHarness({ reset: 'nothing' }, (s) => (h = s.h));

  it('when a browser asks for /favicon.ico, then it is sent to the SVG icon, which exists', async () => {
    await h.client().get('/favicon.ico').expect(301).expect('Location', '/favicon.svg');
    await h
      .client()
      .get('/favicon.svg')
      .expect(200)
      .expect('Content-Type', /image\/svg\+xml/);
  });

  it('when any page is shown, then it links the icon', async () => {
    for (const path of ['/', '/login', '/no-such-page', '/sign-in-failed?reason=invalid_state']) {
      const page = await h.client().get(path).set('Accept', 'text/html');
      expect(page.text, path).toContain(
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml">',
      );
    }
  });
});
