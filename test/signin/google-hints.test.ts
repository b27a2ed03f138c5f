import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import type { Harness } from '../support/harness.js';
import { signInOk } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

/**
 * The hints Google uses (`hd`, `login_hint`) on every authorization request, the FedCM button's
 * needs on the sign-in page, and the emulator's chooser honouring both hints.
 */
const ALICE_SUB = '108672543189376542101';
const CAROL_SUB = '102937465019283746503';

/** The account buttons of an emulator chooser page, in order: `sub` and whether preselected. */
function chooserAccounts(html: string): { sub: string; preselected: boolean }[] {
  return [...html.matchAll(/<button class="account"[^>]*value="(\d+)"([^>]*)>/g)].map((m) => ({
    sub: m[1] ?? '',
    preselected: (m[2] ?? '').includes('autofocus'),
  }));
}

/** The authorization request the redirect flow sends a browser to, as a URL. */
async function authorizationUrl(agent: supertest.Agent, path = '/auth/google'): Promise<URL> {
  const res = await agent.get(path).expect(302);
  return new URL(String(res.headers.location));
}

/** The login page's data-* attribute `name`. */
async function loginData(agent: supertest.Agent, name: string, path = '/login'): Promise<string> {
  const page = await agent.get(path).set('Accept', 'text/html').expect(200);
  const match = new RegExp(`data-${name}="([^"]*)"`).exec(page.text);
  if (!match) throw new Error(`no data-${name} on ${path}`);
  return match[1] ?? '';
}

describe('hd with exactly one allowed domain', () => {
  let h: Harness;
  useHarness({ env: { ALLOWED_DOMAINS: 'example.com' } }, (s) => ({ h } = s));

  it('when the redirect flow starts, then its authorization URL carries hd=example.com', async () => {
    const url = await authorizationUrl(supertest.agent(h.url));
    expect(url.searchParams.get('hd')).toBe('example.com');
  });

  it('when the sign-in page is shown, then the popup and the button get the same hd', async () => {
    expect(await loginData(supertest.agent(h.url), 'hd')).toBe('example.com');
  });

  it("when the browser follows the URL to the emulator, then its chooser offers only example.com's Workspace accounts", async () => {
    const url = await authorizationUrl(supertest.agent(h.url));
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(chooserAccounts(await page.text())).toEqual([{ sub: CAROL_SUB, preselected: false }]);
  });

  it('when an account outside the domain signs in anyway, then the server-side check still refuses it', async () => {
    await expect(signInOk(h, supertest.agent(h.url), 'alice@example.com')).rejects.toThrow(/403/);
  });
});

describe.each([
  ['no allowed domain', {}],
  ['two allowed domains', { ALLOWED_DOMAINS: 'example.com,example.org' }],
  [
    'one allowed domain and an invited address outside it',
    { ALLOWED_DOMAINS: 'example.com', ALLOWED_EMAILS: 'bob@example.org' },
  ],
])('hd with %s', (_name, env) => {
  let h: Harness;
  useHarness({ env }, (s) => ({ h } = s));

  it('when the redirect flow starts or the sign-in page is shown, then no hd is sent', async () => {
    const url = await authorizationUrl(supertest.agent(h.url));
    expect(url.searchParams.has('hd')).toBe(false);
    expect(await loginData(supertest.agent(h.url), 'hd')).toBe('');
  });
});

describe('login_hint on re-authentication', () => {
  let h: Harness;
  useHarness({}, (s) => ({ h } = s));

  it("when a signed-in user follows a link marked reauth=1, then the authorization URL hints the user's sub", async () => {
    const agent = supertest.agent(h.url);
    await signInOk(h, agent, 'alice@example.com');
    const url = await authorizationUrl(agent, '/auth/google?returnTo=/account&reauth=1');
    expect(url.searchParams.get('login_hint')).toBe(ALICE_SUB);
    expect(await loginData(agent, 'login-hint', '/login?returnTo=/account&reauth=1')).toBe(
      ALICE_SUB,
    );
  });

  it('when the emulator gets that login_hint, then its chooser shows the account first, preselected', async () => {
    const agent = supertest.agent(h.url);
    await signInOk(h, agent, 'alice@example.com');
    const url = await authorizationUrl(agent, '/auth/google?reauth=1');
    const accounts = chooserAccounts(await (await fetch(url)).text());
    expect(accounts[0]).toEqual({ sub: ALICE_SUB, preselected: true });
    expect(accounts.filter((a) => a.preselected)).toHaveLength(1);
    // By email too, as Google takes either.
    url.searchParams.set('login_hint', 'carol@example.com');
    expect(chooserAccounts(await (await fetch(url)).text())[0]).toEqual({
      sub: CAROL_SUB,
      preselected: true,
    });
  });

  it('when the sign-in is not a re-authentication (no reauth=1, or nobody signed in), then no login_hint', async () => {
    const signedIn = supertest.agent(h.url);
    await signInOk(h, signedIn, 'alice@example.com');
    // "Sign in again to switch accounts": Google must still offer its chooser.
    expect((await authorizationUrl(signedIn)).searchParams.has('login_hint')).toBe(false);
    expect(await loginData(signedIn, 'login-hint')).toBe('');
    const anonymous = supertest.agent(h.url);
    const url = await authorizationUrl(anonymous, '/auth/google?reauth=1');
    expect(url.searchParams.has('login_hint')).toBe(false);
  });

  it("when the emulator's GSI chooser gets hd and login_hint, then it filters and preselects as Google does", async () => {
    const select = new URL('/gsi/select', h.emulator.url);
    select.search = new URLSearchParams({
      client_id: CLIENT.clientId,
      origin: new URL(h.url).origin,
      mode: 'popup',
      login_hint: 'alice@example.com',
    }).toString();
    expect(chooserAccounts(await (await fetch(select)).text())[0]).toEqual({
      sub: ALICE_SUB,
      preselected: true,
    });
    select.searchParams.set('hd', 'example.com');
    expect(chooserAccounts(await (await fetch(select)).text())).toEqual([
      { sub: CAROL_SUB, preselected: false },
    ]);
  });
});

describe('the Google button with FedCM', () => {
  let h: Harness;
  useHarness({}, (s) => ({ h } = s));

  it("when /login is served, then it sends Referrer-Policy strict-origin-when-cross-origin (Google's script must see the origin)", async () => {
    const res = await supertest(h.url).get('/login').expect(200);
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });

  it('when any other page or answer is served, then helmet’s no-referrer stays', async () => {
    for (const path of ['/', '/me', '/sign-in-failed']) {
      const res = await supertest(h.url).get(path);
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });

  it('when the button is initialised, then with use_fedcm_for_button: true', async () => {
    const script = await supertest(h.url).get('/gsi-sign-in.js').expect(200);
    expect(script.text).toMatch(/use_fedcm_for_button: true,/);
  });
});
