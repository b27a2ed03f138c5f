// What people read (issue 21): dates in their language, sentences instead of codes, an error
// page per area, what happened after each action, and the header.
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../../support/client.js';
import { describeFailure } from '../../../src/http/failure-page.js';
import {
  describeLogEntry,
  describeScope,
  describeSignInMethod,
  timeView,
} from '../../../src/http/page-words.js';
import type { SessionView } from '../../../src/routes/account/account-sessions.js';
import type { Agent, Harness } from '../../support/harness.js';
import { signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

/** A page's visible words: tags, attributes and scripts left out. */
function wordsOf(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>|<[^>]*>/g, ' ').replace(/\s+/g, ' ');
}

/** An HTML form post, as a browser sends it. */
function formPost(agent: Agent, path: string, body = ''): ReturnType<Agent['post']> {
  return agent.post(path).type('form').set('Accept', 'text/html').send(body);
}

describe('the words of machine values', () => {
  it('when a date is recent, then it reads relative in the locale; older ones as a UTC date', () => {
    const at = Date.UTC(2026, 11, 6, 9, 16, 35);
    expect(timeView(at, 'de-DE', at + 5 * 60_000)).toEqual({
      iso: '2026-12-06T09:16:35.000Z',
      text: 'vor 5 Minuten',
      style: 'relative',
    });
    expect(timeView(at, 'en', at + 3 * 3_600_000).text).toBe('3 hours ago');
    expect(timeView(at, 'de-DE', at + 3 * 86_400_000).text).toBe('06.12.2026, 09:16 UTC');
    expect(timeView(at, 'en-US', at + 3 * 86_400_000).text).toBe('Dec 6, 2026, 9:16 AM UTC');
  });

  it('when a log entry is shown, then it is a sentence; an unknown code gets a generic one, never the code', () => {
    expect(describeLogEntry({ kind: 'google-event', detail: 'sessions-revoked' })).toBe(
      'Google ended all your sessions after a security alert',
    );
    expect(describeLogEntry({ kind: 'sign-in', detail: 'credential:btn' })).toBe(
      'Signed in with the Google button',
    );
    expect(describeLogEntry({ kind: 'sign-in', detail: 'credential:user_1tap' })).toBe(
      'Signed in with One Tap',
    );
    expect(describeLogEntry({ kind: 'sign-in', detail: 'redirect' })).toBe(
      "Signed in through Google's sign-in page",
    );
    expect(describeLogEntry({ kind: 'sessions-revoked', detail: '3' })).toBe('Ended 3 sessions');
    expect(describeLogEntry({ kind: 'google-event', detail: 'brand-new-event' })).toBe(
      'Google reported a security event',
    );
    const unknown = describeLogEntry({ kind: 'odd-kind' as 'sign-in', detail: 'odd-detail' });
    expect(unknown).not.toMatch(/odd/);
    expect(describeSignInMethod({ method: 'popup' })).toBe('Google sign-in popup');
    expect(describeSignInMethod({ method: 'credential', selectBy: 'auto' })).toBe('One Tap');
    expect(describeSignInMethod({ method: 'mystery' })).toBe('Google sign-in');
  });

  it("when a scope is known, then Google's consent words; an unknown URL shows its last segment, the URL in a title", () => {
    expect(describeScope('https://www.googleapis.com/auth/calendar.readonly').text).toBe(
      'See and download any calendar you can access using your Google Calendar',
    );
    expect(describeScope('email').text).toBe('See your primary Google Account email address');
    expect(describeScope('https://www.googleapis.com/auth/some.new.scope')).toEqual({
      text: 'some.new.scope',
      title: 'https://www.googleapis.com/auth/some.new.scope',
    });
  });
});

describe('error pages per area', () => {
  it('when the error is not about signing in, then the heading says what happened, never "Sign-in failed"', () => {
    expect(describeFailure('internal', 500, [], 'account').heading).toBe(
      'Something went wrong on our side',
    );
    expect(describeFailure('http_400', 400, [], 'other').heading).not.toBe('Sign-in failed');
    expect(describeFailure('google_token_refused', 400, [], 'sign-in').heading).toBe(
      'Sign-in failed',
    );
  });
});

describe('pages for people, over HTTP', () => {
  let h: Harness;
  useHarness({ env: { ACCOUNT_REAUTH_MINUTES: '10' } }, (s) => (h = s.h));

  async function signedIn(account = 'alice@example.com'): Promise<Agent> {
    const agent = h.client();
    await signInOk(h, agent, account);
    return agent;
  }

  it('when the reader asks for German, then the account page has German dates in <time datetime> and no ISO text', async () => {
    const agent = await signedIn();
    const page = (await agent.get('/account').set('Accept-Language', 'de-DE,en;q=0.5').expect(200))
      .text;
    expect(page).toContain('<html lang="de-DE">');
    expect(page).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT[^"]+Z" data-style="relative">jetzt<\/time>/,
    );
    expect(wordsOf(page)).not.toMatch(ISO);
    expect(page).toContain('Signed in with the Google sign-in popup');
    expect(page).toContain('See your primary Google Account email address');
    expect(wordsOf(page)).not.toMatch(/sign-in \(popup\)|Via|https:\/\/www\.googleapis/);
  });

  it('when a browser sends no Accept-Language, then dates are English', async () => {
    const agent = await signedIn();
    const page = (await agent.get('/account').expect(200)).text;
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/data-style="relative">now<\/time>/);
  });

  it('when signed in, then the header shows the name, Account and Sign out; signed out, Sign in', async () => {
    const agent = await signedIn();
    const home = (await agent.get('/').expect(200)).text;
    const header = /<header[\s\S]*?<\/header>/.exec(home)?.[0] ?? '';
    expect(header).toContain('Alice Example');
    expect(header).toContain('<a href="/account">Account</a>');
    expect(header).toContain('<form method="post" action="/logout">');
    const anonymous = (await h.client().get('/').expect(200)).text;
    expect(/<header[\s\S]*?<\/header>/.exec(anonymous)?.[0]).toContain(
      '<a href="/login">Sign in</a>',
    );
  });

  it('when the same account signs in again, then the greeting and home both say "Welcome back"', async () => {
    await signedIn('bob@example.org');
    const again = h.client();
    const greeting = await signInOk(h, again, 'bob@example.org');
    expect(greeting.text).toContain('<h1>Welcome back, Bob Builder!</h1>');
    expect((await again.get('/').expect(200)).text).toContain('<h1>Welcome back, Bob Builder</h1>');
  });

  it('when signed in with a code (connected), then only "Disconnect Google" is offered', async () => {
    const page = (await (await signedIn()).get('/account').expect(200)).text;
    expect(page).toContain('>Disconnect Google</button>');
    expect(page).not.toMatch(/>Connect Google|>Reconnect Google|Not connected/);
  });

  it('when signed in with only an ID token (never connected), then only "Connect Google" is offered', async () => {
    const agent = h.client();
    const { state, nonce } = (
      await agent.get('/login').set('Accept', 'application/json').expect(200)
    ).body as { state: string; nonce: string };
    const credential = await h.emulator.issueCredential({
      account: 'dave.unverified@example.net',
      clientId: CLIENT.clientId,
      nonce,
    });
    await agent
      .post(`/auth/google/credential?state=${encodeURIComponent(state)}`)
      .set('Accept', 'application/json')
      .send({ credential, select_by: 'btn' })
      .expect(200);
    const page = (await agent.get('/account').expect(200)).text;
    expect(page).toContain('>Connect Google</a>');
    expect(page).not.toMatch(/Disconnect Google|Reconnect Google|Not connected/);
    expect(page).toContain('Signed in with the Google button');
  });

  it('when an action fails outside the sign-in, then its page names the area and the next step; the JSON stays', async () => {
    const stale = await formPost(h.client(), '/gdisconnect').expect(401);
    expect(stale.text).toContain('<h1>You are already signed out</h1>');
    const agent = await signedIn();
    const unconfirmed = await formPost(agent, '/account/delete').expect(400);
    expect(unconfirmed.text).toContain('<h1>Tick the box to confirm</h1>');
    const gone = await formPost(agent, '/account/sessions/no-such-session/revoke').expect(404);
    expect(gone.text).toContain('<h1>That session has already ended</h1>');
    for (const page of [stale.text, unconfirmed.text, gone.text]) {
      expect(page).not.toContain('Sign-in failed');
    }
    const json = await agent.post('/account/delete').send({}).expect(400);
    expect(json.body).toBe('Confirm the deletion first.');
  });

  it('when signing out, then the next page says so, once', async () => {
    const agent = await signedIn();
    await formPost(agent, '/logout').expect(303);
    expect((await agent.get('/').expect(200)).text).toContain('You are signed out.');
    expect((await agent.get('/').expect(200)).text).not.toContain('You are signed out.');
  });

  it('when disconnecting, then the next page says the access was revoked at Google', async () => {
    const agent = await signedIn();
    await formPost(agent, '/gdisconnect').expect(303);
    expect((await agent.get('/').expect(200)).text).toContain(
      'access to your Google account was revoked at Google',
    );
  });

  it('when deleting the account, then the next page says what was deleted here and revoked at Google', async () => {
    const agent = await signedIn('carol@example.com');
    await formPost(agent, '/account/delete', 'confirm=yes').expect(303);
    const home = (await agent.get('/').expect(200)).text;
    expect(home).toContain('Your account was deleted');
    expect(home).toContain('revoked at Google');
  });

  it('when ending another session and all others, then the account page says so; the ended browser is told once', async () => {
    const other = await signedIn();
    const mine = await signedIn();
    const list = (await mine.get('/account/sessions').set('Accept', 'application/json').expect(200))
      .body as SessionView[];
    const otherId = list.find((s) => !s.current)!.id;
    await formPost(mine, `/account/sessions/${otherId}/revoke`).expect(303);
    expect((await mine.get('/account').expect(200)).text).toContain('Session ended');

    const ended = (await other.get('/').expect(200)).text;
    expect(ended).toContain('id="session-ended"');
    expect(ended).toContain('this session was ended from another device');
    expect((await other.get('/').expect(200)).text).not.toContain('id="session-ended"');

    await signedIn();
    await formPost(mine, '/account/sessions/revoke-others').expect(303);
    expect((await mine.get('/account').expect(200)).text).toMatch(/Signed out \d+ other session/);
  });

  it('when a browser opens /account/google, then it gets a page; a JSON client still gets JSON', async () => {
    const agent = await signedIn();
    const page = await agent
      .get('/account/google')
      .set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')
      .expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('<h1>Your Google connection</h1>');
    expect(page.text).toContain('alice@example.com');
    const json = await agent.get('/account/google').set('Accept', 'application/json').expect(200);
    expect(json.body).toMatchObject({ status: 'connected' });
    // No page links to the raw JSON under a path that reads as JSON.
    expect((await agent.get('/account').expect(200)).text).not.toContain('>/account/google<');
  });

  it('when a browser never signed in, then no ended-session notice is shown', async () => {
    const page = (await h.client().get('/').expect(200)).text;
    expect(page).not.toContain('id="session-ended"');
  });

  it('by default, then the sign-in page has one Google button and no footer', async () => {
    const login = (await h.client().get('/login').expect(200)).text;
    expect(login).toContain('id="google-signin"');
    expect(login).not.toContain('id="gsi-button"');
    expect(login).not.toContain('<footer');
  });
});

describe('the sign-in page and the footer, when configured', () => {
  let h: Harness;
  useHarness(
    {
      env: {
        GSI_BUTTON: 'on',
        PRIVACY_POLICY_URL: 'https://example.com/privacy',
        TERMS_URL: 'https://example.com/terms',
        APP_NAME: 'Acme Notes',
      },
    },
    (s) => (h = s.h),
  );

  it("when GSI_BUTTON=on, then Google's button shows with one line saying what it does differently", async () => {
    const login = (await h.client().get('/login').expect(200)).text;
    expect(login).toContain('id="gsi-button"');
    expect(login).toContain('id="gsi-button-note"');
  });

  it('when APP_NAME is set, then every page names the app in its header and title', async () => {
    for (const path of ['/', '/login', '/no-such-page']) {
      const page = (await h.client().get(path).set('Accept', 'text/html')).text;
      const header = /<header[\s\S]*?<\/header>/.exec(page)?.[0] ?? '';
      expect(header, path).toContain('Acme Notes');
      expect(/<title>[^<]*<\/title>/.exec(page)?.[0], path).toContain('Acme Notes');
      expect(header, path).not.toContain('gconnect');
    }
  });

  it('when the policies are configured, then every page links them in its footer', async () => {
    for (const path of ['/', '/login', '/no-such-page']) {
      const page = (await h.client().get(path).set('Accept', 'text/html')).text;
      const footer = /<footer[\s\S]*?<\/footer>/.exec(page)?.[0] ?? '';
      expect(footer, path).toContain('<a href="https://example.com/privacy">Privacy policy</a>');
      expect(footer, path).toContain('<a href="https://example.com/terms">Terms of service</a>');
    }
  });
});
