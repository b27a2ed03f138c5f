import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useChromium, watchConsole, type ConsoleWatch } from '../support/browser.js';
import type { Harness } from '../support/harness.js';
import { useHarness } from '../support/use-harness.js';

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;

// Emulator faults and recorded calls are reset after each test (useHarness).
useHarness({}, (s) => ({ h } = s));
useChromium((t) => ({ browser, context, page, consoleWatch } = t));

const ALICE = { email: 'alice@example.com', name: 'Alice Example' };

function accountButton(popup: Page, email: string) {
  return popup.locator('button.account', { hasText: email });
}

/**
 * Clicks in the popup and waits until the popup has closed itself: a new requestCode() while
 * it is still closing would reuse that window instead of opening a new one.
 */
async function answerPopup(popup: Page, answer: { account: string } | 'cancel'): Promise<void> {
  const closed = popup.waitForEvent('close');
  if (answer === 'cancel') await popup.locator('button.cancel').click();
  else await accountButton(popup, answer.account).click();
  await closed;
}

/** Clicks "Sign in with Google" and waits for the emulator's consent popup. */
async function openPopup(): Promise<Page> {
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: 'Sign in with Google' }).click(),
  ]);
  await popup.waitForLoadState();
  expect(await popup.title()).toBe('Emulated Google — choose an account');
  return popup;
}

async function gotoLogin(): Promise<void> {
  const res = await page.goto(`${h.url}/login`);
  expect(res?.status()).toBe(200);
  await expect.poll(() => page.locator('#google-signin').isEnabled()).toBe(true);
}

/** GET /me with the browser's cookies (outside the page, so a 401 is not a console error). */
async function me(): Promise<{ status: number; body: unknown }> {
  const res = await context.request.get(`${h.url}/me`, { headers: { Accept: 'application/json' } });
  return { status: res.status(), body: await res.json() };
}

function statusText(): Promise<string> {
  return page.locator('#status').innerText();
}

async function signInWithPopup(account = ALICE): Promise<void> {
  await gotoLogin();
  const popup = await openPopup();
  await accountButton(popup, account.email).click();
  await page.waitForURL(`${h.url}/`);
}

describe('popup flow (Google Identity Services code client)', () => {
  it('when signed in from /login?returnTo, then the greeting replaces the form, says where it goes, and the home page welcomes', async () => {
    await page.goto(`${h.url}/login?returnTo=${encodeURIComponent('/?from=login')}`);
    await expect.poll(() => page.locator('#google-signin').isEnabled()).toBe(true);
    await answerPopup(await openPopup(), { account: ALICE.email });
    await expect
      .poll(() => page.locator('#status').innerText())
      .toBe('You are signed in. Taking you back to /?from=login…');
    expect(await page.locator('#result h1').textContent()).toMatch(
      new RegExp(`^Welcome( back)?, ${ALICE.name}!$`),
    );
    expect(await page.locator('#signin-form').isVisible()).toBe(false);
    expect(await page.locator('#redirect-alt').isVisible()).toBe(false);

    await page.waitForURL(`${h.url}/?from=login`);
    expect(await page.locator('h1').innerText()).toMatch(
      new RegExp(`^Welcome( back)?, ${ALICE.name}$`),
    );
    expect(await page.locator('.user .email').innerText()).toBe(ALICE.email);
    // No console errors on the way: a missing favicon would be one.
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when an account is picked in the popup, then the greeting shows, home shows the user, and the flash shows once', async () => {
    const res = await page.goto(`${h.url}/login`);
    expect(res?.headers()['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    expect(await page.locator('.banner').innerText()).toContain('No real Google account is used');
    await expect.poll(() => page.locator('#google-signin').isEnabled()).toBe(true);

    await answerPopup(await openPopup(), { account: ALICE.email });
    await expect
      .poll(() => page.locator('#result h1').textContent())
      .toMatch(new RegExp(`^Welcome( back)?, ${ALICE.name}!$`));
    await expect(page.locator('#result img').getAttribute('src')).resolves.toMatch(
      new RegExp(`^${h.emulator.url}/avatars/`),
    );

    await page.waitForURL(`${h.url}/`);
    expect(await page.locator('.flash').innerText()).toBe(`You are now logged in as ${ALICE.name}`);
    expect(await page.locator('.user .name').innerText()).toBe(ALICE.name);
    expect(await page.locator('.user .email').innerText()).toBe(ALICE.email);
    expect(await page.locator('.user img.avatar').count()).toBe(1);
    await expect(page.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Disconnect' }).isVisible()).resolves.toBe(true);

    await page.reload();
    expect(await page.locator('.flash').count()).toBe(0);
    expect(await me()).toMatchObject({ status: 200, body: { email: ALICE.email } });
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when Cancel is pressed in the popup, then the page says so and a second try works', async () => {
    await gotoLogin();
    await answerPopup(await openPopup(), 'cancel');
    await expect.poll(statusText).toBe('Sign-in was cancelled.');
    expect((await me()).status).toBe(401);

    const again = await openPopup();
    await accountButton(again, ALICE.email).click();
    await page.waitForURL(`${h.url}/`);
    expect((await me()).status).toBe(200);
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when the popup is closed without choosing, then the page says so', async () => {
    await gotoLogin();
    const popup = await openPopup();
    await popup.close();
    await expect.poll(statusText).toBe('The sign-in popup was closed before you chose an account.');
    expect(await page.locator('#status').getAttribute('class')).toContain('error');
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when the popup is blocked, then the page says so and points to the redirect link', async () => {
    // What a popup blocker does: window.open returns null.
    await context.addInitScript(() => {
      window.open = () => null;
    });
    await gotoLogin();
    await page.getByRole('button', { name: 'Sign in with Google' }).click();
    await expect.poll(statusText).toContain('The sign-in popup was blocked');
    expect(consoleWatch.problems).toEqual([]);
  });

  it("when Google's script cannot load, then the page says so and points to the redirect link", async () => {
    await context.route(`${h.emulator.url}/gsi/client`, (route) => route.abort());
    await page.goto(`${h.url}/login`);
    await expect.poll(statusText).toContain("Google's sign-in script did not load");
    expect(await page.locator('#google-signin').isDisabled()).toBe(true);
    expect(consoleWatch.unexpected('net::ERR_FAILED')).toEqual([]);
  });

  it('when the server refuses the code, then its message shows, the state is renewed and a retry works', async () => {
    await gotoLogin();
    const firstState = await page.locator('#signin').getAttribute('data-state');
    h.emulator.inject('token', { kind: 'status', status: 400, body: { error: 'invalid_grant' } });
    await answerPopup(await openPopup(), { account: ALICE.email });
    await expect
      .poll(statusText)
      .toBe('Failed to upgrade the authorization code. Please try again.');
    await expect
      .poll(() => page.locator('#signin').getAttribute('data-state'))
      .not.toBe(firstState);

    const again = await openPopup();
    await accountButton(again, ALICE.email).click();
    await page.waitForURL(`${h.url}/`);
    expect((await me()).status).toBe(200);
    // The refused POST is the only thing the console reports.
    expect(consoleWatch.unexpected('status of 401')).toEqual([]);
  });
});

describe('redirect flow (no JavaScript needed)', () => {
  it('when the redirect link is followed with JavaScript off, then the account pick lands home signed in', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const watch = await watchConsole(noJs);
    const tab = await noJs.newPage();
    try {
      await tab.goto(`${h.url}/login`);
      await tab.getByRole('link', { name: /redirect/i }).click();
      await tab.waitForURL(`${h.emulator.url}/o/oauth2/v2/auth?**`);
      await accountButton(tab, ALICE.email).click();
      await tab.waitForURL(`${h.url}/`);
      expect(await tab.locator('.flash').innerText()).toBe(
        `You are now logged in as ${ALICE.name}`,
      );
      expect(await tab.locator('.user .name').innerText()).toBe(ALICE.name);
      expect(h.emulator.calls().map((c) => c.endpoint)).toEqual(
        expect.arrayContaining(['auth', 'token', 'tokeninfo', 'userinfo']),
      );
      expect(watch.problems).toEqual([]);
    } finally {
      await noJs.close();
    }
  });

  it('when Cancel is pressed on the consent page, then a friendly sign-in-failed page', async () => {
    await page.goto(`${h.url}/auth/google`);
    await page.locator('button.cancel').click();
    // A clean address: Google's answer does not stay in the address bar.
    await page.waitForURL(`${h.url}/sign-in-failed?reason=access_denied&status=401`);
    expect(await page.locator('h1').innerText()).toBe('Sign-in cancelled');
    expect(await page.locator('main').innerText()).toContain(
      'You cancelled the sign-in at Google.',
    );
    await page.getByRole('link', { name: 'Start again' }).click();
    await page.waitForURL(`${h.url}/login`);
    expect(consoleWatch.unexpected('status of 401')).toEqual([]);
  });
});

describe('signed in: home page buttons', () => {
  it('when "Sign out" is pressed, then the session ends and home offers sign-in', async () => {
    await signInWithPopup();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${h.url}/`);
    await expect(page.getByRole('link', { name: 'Sign in with Google' }).isVisible()).resolves.toBe(
      true,
    );
    expect((await me()).status).toBe(401);
    expect(h.emulator.calls('revoke')).toHaveLength(0);
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when "Disconnect" is pressed, then the grant is revoked at Google and the session ends', async () => {
    await signInWithPopup();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.waitForURL(`${h.url}/`);
    expect((await me()).status).toBe(401);
    expect(h.emulator.calls('revoke')).toHaveLength(1);
    expect(consoleWatch.problems).toEqual([]);
  });
});

describe('pages', () => {
  it('when a page does not exist, then a friendly 404 page with the emulator banner', async () => {
    const res = await page.goto(`${h.url}/no-such-page`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Page not found');
    expect(await page.locator('.banner').count()).toBe(1);
    await page.getByRole('link', { name: 'Go home' }).click();
    await page.waitForURL(`${h.url}/`);
    expect(consoleWatch.unexpected('status of 404')).toEqual([]);
  });

  it('when Google fails during a redirect sign-in, then the page leaks neither code nor upstream text', async () => {
    await page.goto(`${h.url}/auth/google`);
    h.emulator.inject('token', { kind: 'status', status: 503, body: 'upstream detail' });
    const callback = page.waitForRequest(`${h.url}/auth/google/callback?**`);
    await page.locator('button.account', { hasText: ALICE.email }).click();
    await page.waitForURL(`${h.url}/sign-in-failed?**`);
    const code = new URL((await callback).url()).searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    expect(page.url()).not.toContain(code);
    expect(await page.locator('h1').innerText()).toBe('Something went wrong');
    const html = await page.content();
    expect(html).not.toContain('upstream detail');
    expect(html).not.toContain(code);
    expect(consoleWatch.unexpected('status of 502')).toEqual([]);
  });

  it('when viewed on a phone, then nothing is wider than the screen', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await signInWithPopup();
    for (const path of ['/', '/login']) {
      await page.goto(`${h.url}${path}`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBe(0);
    }
    expect(consoleWatch.problems).toEqual([]);
  });
});
