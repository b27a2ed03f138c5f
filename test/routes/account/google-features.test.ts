/**
 * Named features (issue 22, "ask in context" and "respect what the user unticks"), over HTTP
 * against the emulator, on both engines: the connect flow, requireGoogleFeature (the standalone
 * server's demo page), the features' statuses, and the configuration's checks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS, type TestAccount } from '../../../emulator/server/accounts.js';
import { loadConfig } from '../../../src/config/from-env.js';
import { ConfigError } from '../../../src/config/resolve.js';
import { startHarness, type Agent, type Harness } from '../../support/harness.js';
import { cookieFromJar, signInOk } from '../../support/sign-in.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../../support/storage-engines.js';

/**
 * Each test signs in as an account of its own: the scopes a grant holds add up, at Google (the
 * emulator) and here (requested_scope), so one test's connect or unticked box would otherwise
 * meet the next test's account in another order.
 */
const MEMBERS: TestAccount[] = Array.from({ length: 40 }, (_, i) => ({
  sub: `108800000000000000${String(i).padStart(3, '0')}`,
  email: `member${i}@example.com`,
  emailVerified: true,
  name: `Member ${i}`,
  givenName: 'Member',
  familyName: String(i),
  picture: `/avatars/member${i}.svg`,
}));
let nextMember = 0;
/** This test's own account (see MEMBERS). */
let me = '';
beforeEach(() => {
  me = MEMBERS[nextMember++ % MEMBERS.length]!.email;
});
/** Another Google account, which no test here signs in: every connect as it is refused. */
const BOB = 'bob@example.org';
const CALENDAR = 'https://www.googleapis.com/auth/calendar.readonly';
const DRIVE = 'https://www.googleapis.com/auth/drive.file';
const TASKS = 'https://www.googleapis.com/auth/tasks';
const FEATURES = `calendar=${CALENDAR},drive=${DRIVE}`;

describe.each(ENGINES)('named Google features on %s', (engineName) => {
  let engine: EngineUnderTest;
  let h: Harness;
  beforeAll(async () => {
    engine = await createEngine(engineName);
    h = await startHarness({
      env: { DATABASE_URL: engine.url, GOOGLE_FEATURES: FEATURES, GOOGLE_SCOPES: TASKS },
      // Shorter than the refresh margin: every use of the grant refreshes (and so sees a refusal).
      emulatorOptions: {
        accessTokenLifetimeSeconds: 10,
        accounts: [...DEFAULT_ACCOUNTS, ...MEMBERS],
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await engine?.destroy();
  });

  const subOf = (email: string) => h.emulator.accounts.find((a) => a.email === email)?.sub ?? '';

  /** A fresh browser signed in as `email` (the popup flow: a refresh token is kept). */
  async function signedIn(email = me): Promise<Agent> {
    h.emulator.denyScopes(email, []);
    const agent = h.client();
    await signInOk(h, agent, email);
    return agent;
  }

  /** GET the connect URL: the authorization URL it sends the browser to. */
  async function startConnect(agent: Agent, query: string): Promise<URL> {
    const res = await agent.get(`/account/google/connect?${query}`).expect(302);
    expect(res.headers['cache-control']).toBe('no-store');
    return new URL(String(res.headers.location));
  }

  /**
   * What a person does on the emulator's consent page: choose `account`, leaving unticked the
   * boxes of `untick`; returns where the emulator sends the browser back.
   */
  async function consent(
    auth: URL,
    account: string,
    untick: string[] = [],
    cancel = false,
  ): Promise<URL> {
    const page = await (await fetch(auth)).text();
    const form = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.append(m[1] ?? '', (m[2] ?? '').replace(/&amp;/g, '&'));
    }
    for (const m of page.matchAll(/<input type="checkbox" name="granted_scope" value="([^"]*)"/g)) {
      if (!untick.includes(m[1] ?? '')) form.append('granted_scope', m[1] ?? '');
    }
    form.set('account', subOf(account));
    if (cancel) form.set('action', 'cancel');
    const res = await fetch(new URL('/o/oauth2/v2/auth/approve', auth), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    return new URL(String(res.headers.get('location')));
  }

  /** The whole connect: the app's callback answer, as a browser navigating sees it. */
  async function connect(
    agent: Agent,
    query: string,
    choice: { account?: string; untick?: string[] } = {},
    status = 303,
  ) {
    const back = await consent(
      await startConnect(agent, query),
      choice.account ?? me,
      choice.untick,
    );
    return agent.get(`${back.pathname}${back.search}`).set('Accept', 'text/html').expect(status);
  }

  const features = async (agent: Agent) =>
    (await agent.get('/account/google').set('Accept', 'application/json').expect(200)).body as {
      features: Record<string, string>;
      scopes: string[];
    };

  const requestedScopeRow = async (email: string) =>
    (
      await engine.rows<{ requested_scope: string; scope: string }>(
        'SELECT g.requested_scope, g.scope FROM google_grants g JOIN users u ON u.id = g.user_id WHERE u.email = ?',
        email,
      )
    )[0];

  it('when a signed-in user connects a feature by redirect, then its scope is granted, the session id stays and they land on returnTo', async () => {
    const agent = await signedIn();
    expect((await features(agent)).features).toEqual({
      calendar: 'not_granted',
      drive: 'not_granted',
    });
    const cookieBefore = await cookieFromJar(agent);
    const res = await connect(agent, 'feature=calendar&returnTo=/features/calendar');
    expect(res.headers.location).toBe('/features/calendar');
    expect(await cookieFromJar(agent)).toBe(cookieBefore);
    const json = await features(agent);
    expect(json.features).toEqual({ calendar: 'granted', drive: 'not_granted' });
    expect(json.scopes).toContain(CALENDAR);
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
    const page = await agent.get('/features/calendar').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('you turned it on');
    expect((await requestedScopeRow(me))?.requested_scope).toContain(CALENDAR);
  });

  it('when the connect URL is opened, then it asks for the feature only, with include_granted_scopes and login_hint, and without prompt=consent while a refresh token lives', async () => {
    const agent = await signedIn();
    const auth = await startConnect(agent, 'feature=drive&returnTo=/account');
    const q = auth.searchParams;
    expect(q.get('scope')).toBe(`openid ${DRIVE}`);
    expect(q.get('include_granted_scopes')).toBe('true');
    expect(q.get('login_hint')).toBe(subOf(me));
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('prompt')).toBeNull();
  });

  it('when the grant needs reconnecting, then the connect asks with prompt=consent', async () => {
    const agent = await signedIn();
    h.emulator.expireRefreshTokens();
    const json = (await agent.get('/account/google').set('Accept', 'application/json').expect(200))
      .body as { status: string };
    expect(json.status).toBe('needs_reconnect');
    const auth = await startConnect(agent, 'feature=calendar');
    expect(auth.searchParams.get('prompt')).toBe('consent');
    // Reconnected by the connect itself: a new refresh token, the grant connected again.
    const back = await consent(auth, me);
    await agent.get(`${back.pathname}${back.search}`).set('Accept', 'text/html');
    expect((await features(agent)).features.calendar).toBe('granted');
  });

  it('when another Google account is chosen, then the connect is refused and nothing is stored', async () => {
    const agent = await signedIn();
    const before = await requestedScopeRow(me);
    const cookieBefore = await cookieFromJar(agent);
    h.emulator.resetCalls();
    const res = await connect(agent, 'feature=calendar&returnTo=/account', { account: BOB });
    expect(String(res.headers.location)).toBe('/sign-in-failed?reason=wrong_account&status=403');
    // What Google just issued for Bob is given back at Google, not left behind.
    expect(h.emulator.calls('revoke')).toHaveLength(1);
    const page = await agent.get(String(res.headers.location)).set('Accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.text).toContain('That is another Google account');
    expect(await requestedScopeRow(me)).toEqual(before);
    expect((await features(agent)).features.calendar).not.toBe('granted');
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
    expect(await cookieFromJar(agent)).toBe(cookieBefore);
    const bobRows = await engine.rows(
      'SELECT g.user_id FROM google_grants g JOIN users u ON u.id = g.user_id WHERE u.email = ?',
      BOB,
    );
    expect(bobRows).toEqual([]);
  });

  it('when another Google account is chosen in a popup, then the popup ends on the page that tells the opener, whose account page says so; nothing is stored', async () => {
    const agent = await signedIn();
    const before = await requestedScopeRow(me);
    h.emulator.resetCalls();
    const res = await connect(agent, 'feature=calendar&popup=1', { account: BOB });
    expect(res.headers.location).toBe('/account/google/connect/done?feature=calendar');
    expect(h.emulator.calls('revoke')).toHaveLength(1);
    const account = await agent.get('/account').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain(
      'Calendar was not turned on: you chose another Google account. Nothing changed;',
    );
    expect(await requestedScopeRow(me)).toEqual(before);
    expect((await features(agent)).features.calendar).not.toBe('granted');
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
  });

  it("when revoking the other account's tokens fails, then the refusal is answered all the same", async () => {
    const agent = await signedIn();
    h.emulator.resetCalls();
    h.emulator.inject('revoke', { kind: 'status', status: 503, body: { error: 'backend' } });
    try {
      const res = await connect(agent, 'feature=calendar', { account: BOB });
      expect(String(res.headers.location)).toBe('/sign-in-failed?reason=wrong_account&status=403');
      expect(h.emulator.calls('revoke')).toHaveLength(1);
    } finally {
      h.emulator.clearFaults();
    }
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
  });

  it('when the user cancels a connect at Google, then a page says so with the way back and "Try again", and they stay signed in with the same session', async () => {
    const agent = await signedIn();
    // Read through the app first: with 10 s access tokens, that refreshes (and rewrites) the row.
    await features(agent);
    const before = await requestedScopeRow(me);
    const cookieBefore = await cookieFromJar(agent);
    const auth = await startConnect(agent, 'feature=calendar&returnTo=/features/calendar');
    const back = await consent(auth, me, [], true);
    expect(back.searchParams.get('error')).toBe('access_denied');
    const res = await agent
      .get(`${back.pathname}${back.search}`)
      .set('Accept', 'text/html')
      .expect(303);
    expect(res.headers.location).toBe(
      '/account/google/connect/cancelled?feature=calendar&returnTo=%2Ffeatures%2Fcalendar',
    );
    const page = await agent.get(String(res.headers.location)).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain(
      'Calendar was not turned on: you cancelled at Google. Nothing changed.',
    );
    expect(page.text).not.toContain('Sign-in cancelled');
    expect(page.text).toContain(
      '<a class="button" href="/account/google/connect?feature=calendar&amp;returnTo=%2Ffeatures%2Fcalendar">Try again</a>',
    );
    expect(page.text).toContain('href="/features/calendar">Go back</a>');
    expect(await cookieFromJar(agent)).toBe(cookieBefore);
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
    expect(await requestedScopeRow(me)).toEqual(before);
  });

  it('when a JSON client comes back from a cancelled connect, then 403 names what happened and the session stays', async () => {
    const agent = await signedIn();
    const cookieBefore = await cookieFromJar(agent);
    const back = await consent(await startConnect(agent, 'feature=drive'), me, [], true);
    const res = await agent
      .get(`${back.pathname}${back.search}`)
      .set('Accept', 'application/json')
      .expect(403);
    expect(res.body).toBe('Drive was not turned on: you cancelled at Google. Nothing changed.');
    expect(await cookieFromJar(agent)).toBe(cookieBefore);
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
  });

  it('when the cancelled page is opened without a returnTo, then the way back is the account page', async () => {
    const agent = await signedIn();
    const page = await agent
      .get('/account/google/connect/cancelled?feature=drive')
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('href="/account">Go back</a>');
    await agent
      .get('/account/google/connect/cancelled?feature=nope')
      .set('Accept', 'text/html')
      .expect(404);
  });

  it('when the connect was opened in a popup, then it ends on the page that tells the opener (success and cancel alike), and the flash waits for the opener', async () => {
    const agent = await signedIn();
    const res = await connect(agent, 'feature=calendar&returnTo=/features/calendar&popup=1');
    expect(res.headers.location).toBe('/account/google/connect/done?feature=calendar');
    const done = await agent.get(String(res.headers.location)).set('Accept', 'text/html');
    expect(done.status).toBe(200);
    expect(done.text).toContain('data-feature="calendar"');
    const nonce = /script-src[^;]*'nonce-([^']+)'/.exec(
      String(done.headers['content-security-policy']),
    )?.[1];
    expect(done.text).toContain(`<script src="/connect-done.js" defer nonce="${nonce}"></script>`);
    const back = await consent(await startConnect(agent, 'feature=drive&popup=1'), me, [], true);
    const cancelled = await agent
      .get(`${back.pathname}${back.search}`)
      .set('Accept', 'text/html')
      .expect(303);
    expect(cancelled.headers.location).toBe('/account/google/connect/done?feature=drive');
    const account = await agent.get('/account').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('Calendar is on.');
    expect(account.text).toContain(
      'Drive was not turned on: you cancelled at Google. Nothing changed.',
    );
    expect(account.text).toMatch(
      /<a class="button secondary" href="[^"]*" data-connect-popup>Turn on<\/a>/,
    );
  });

  it('when the user unticks the scope at Google, then the connect still succeeds, lands on the account page, and the feature is denied', async () => {
    const agent = await signedIn();
    const res = await connect(agent, 'feature=drive&returnTo=/features/drive', {
      untick: [DRIVE],
    });
    expect(res.headers.location).toBe('/account');
    expect((await features(agent)).features).toMatchObject({ drive: 'denied' });
    const page = await agent.get('/account').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('Drive stays off');
    expect(page.text).toMatch(/data-feature="drive" data-status="denied">[\s\S]*?Turn on<\/a>/);
    // "Turn on" asks again, in context; ticked this time, it is on.
    await connect(agent, 'feature=drive&returnTo=/features/drive');
    expect((await features(agent)).features).toMatchObject({ drive: 'granted' });
  });

  it('when the emulator denies a scope (its control knob), then the token carries only the rest and the feature is denied', async () => {
    // This test's account has not granted drive before (Google would merge an earlier grant in).
    const agent = await signedIn();
    h.emulator.denyScopes(me, [DRIVE]);
    await connect(agent, 'feature=drive&returnTo=/account');
    const json = await features(agent);
    expect(json.features.drive).toBe('denied');
    expect(json.scopes).not.toContain(DRIVE);
    h.emulator.denyScopes(me, []);
  });

  it('when the sign-in asks for GOOGLE_SCOPES and the user unticks one, then the sign-in still succeeds and the scope is recorded as asked', async () => {
    const agent = h.client();
    const auth = new URL(String((await agent.get('/auth/google').expect(302)).headers.location));
    expect(auth.searchParams.get('scope')).toBe(`openid email profile ${TASKS}`);
    const back = await consent(auth, me, [TASKS]);
    await agent.get(`${back.pathname}${back.search}`).set('Accept', 'text/html');
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ email: me });
    const row = await requestedScopeRow(me);
    expect(row?.requested_scope).toContain(TASKS);
    expect(row?.scope).not.toContain(TASKS);
  });

  it('when a page needs a feature not granted, then a browser gets 303 to the connect URL and a JSON client 403 with it', async () => {
    const agent = await signedIn();
    const page = await agent.get('/features/drive?x=1').set('Accept', 'text/html');
    expect(page.headers.location).toBe(
      `/account/google/connect?feature=drive&returnTo=${encodeURIComponent('/features/drive?x=1')}&guarded=1`,
    );
    const json = await agent.get('/features/drive').set('Accept', 'application/json').expect(403);
    expect(json.body).toEqual({
      error: 'scope_not_granted',
      connectUrl: '/account/google/connect?feature=drive&returnTo=%2Ffeatures%2Fdrive&guarded=1',
    });
  });

  it('when the user cancels at Google a connect a feature page sent them to, then the cancelled page leads to the account page, never back to that page (and so to Google again)', async () => {
    const agent = await signedIn();
    const guard = await agent.get('/features/calendar').set('Accept', 'text/html').expect(303);
    const auth = await startConnect(agent, String(guard.headers.location).split('?')[1] ?? '');
    const back = await consent(auth, me, [], true);
    const res = await agent
      .get(`${back.pathname}${back.search}`)
      .set('Accept', 'text/html')
      .expect(303);
    expect(res.headers.location).toBe(
      '/account/google/connect/cancelled?feature=calendar&returnTo=%2Ffeatures%2Fcalendar&guarded=1',
    );
    const page = await agent.get(String(res.headers.location)).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Calendar was not turned on: you cancelled at Google.');
    expect(page.text).toContain(
      '<a class="button secondary" href="/account#features">Back to your account</a>',
    );
    expect(page.text).not.toContain('href="/features/calendar"');
    // "Try again" still comes back to the feature page on success, and stays guarded.
    expect(page.text).toContain(
      'href="/account/google/connect?feature=calendar&amp;returnTo=%2Ffeatures%2Fcalendar&amp;guarded=1">Try again</a>',
    );
  });

  it('when nobody is signed in, then a feature page behaves like requireSignIn', async () => {
    const agent = h.client();
    const res = await agent.get('/features/drive').set('Accept', 'text/html').expect(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Ffeatures%2Fdrive');
    await agent.get('/features/drive').set('Accept', 'application/json').expect(401);
    await agent
      .get('/account/google/connect?feature=drive')
      .set('Accept', 'application/json')
      .expect(401);
  });

  it('when the feature is unknown, then the connect answers 404 with a clear message', async () => {
    const agent = await signedIn();
    const json = await agent
      .get('/account/google/connect?feature=nope')
      .set('Accept', 'application/json')
      .expect(404);
    expect(json.body).toBe('No such feature: the link names a feature this app does not offer.');
    const page = await agent
      .get('/account/google/connect?feature=__proto__')
      .set('Accept', 'text/html')
      .expect(404);
    expect(page.text).toContain('No such feature');
  });

  it('when returnTo leaves the site, then the connect comes back to / instead', async () => {
    const agent = await signedIn();
    const res = await connect(agent, 'feature=calendar&returnTo=//evil.example/x');
    expect(res.headers.location).toBe('/');
  });
});

describe('GOOGLE_FEATURES', () => {
  const base = {
    GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'shh',
  };
  const problemsOf = (value: string): string[] => {
    try {
      loadConfig({ ...base, GOOGLE_FEATURES: value });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('when it lists features, then each has its scopes', () => {
    const config = loadConfig({
      ...base,
      GOOGLE_FEATURES: `calendar=${CALENDAR} email, drive=${DRIVE}`,
    });
    expect(config.google.features).toEqual({ calendar: [CALENDAR, 'email'], drive: [DRIVE] });
  });

  it('when a value is bad, then the ConfigError names the problem', () => {
    expect(problemsOf(`Calendar=${CALENDAR}`)).toEqual([
      'GOOGLE_FEATURES: "Calendar" is not a feature name (lower-case letters, digits, - and _, starting with a letter).',
    ]);
    expect(problemsOf('calendar=')).toEqual(['GOOGLE_FEATURES: feature "calendar" has no scopes.']);
    expect(problemsOf('calendar=a"b')).toEqual(['GOOGLE_FEATURES: "a"b" is not a scope.']);
    expect(problemsOf('calendar')[0]).toMatch(
      /^GOOGLE_FEATURES must be name=scope scope,name=scope/,
    );
    expect(problemsOf(`a=${CALENDAR},a=${DRIVE}`)[0]).toMatch(/each name once/);
  });
});
