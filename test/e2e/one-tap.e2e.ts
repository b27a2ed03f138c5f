import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  useChromium,
  watchConsole,
  type ChromiumTest,
  type ConsoleWatch,
} from '../support/browser.js';
import { auditPage, VIEWPORTS } from '../support/page-audit.js';
import type { Harness } from '../support/harness.js';
import { useHarness } from '../support/use-harness.js';

/**
 * The Google button and One Tap (google.accounts.id) in Chromium against the emulator's
 * stand-in: the credential reaches POST /auth/google/credential in both delivery modes.
 */
const ALICE = { email: 'alice@example.com', name: 'Alice Example' };
const GSI_BUTTON = 'Continue with Google';

let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;
let newContext: ChromiumTest['newContext'];

useChromium((t) => ({ context, page, consoleWatch, newContext } = t));

/** One app + emulator per describe block, with its own environment. */
function useApp(env: Record<string, string>): () => Harness {
  const scope = useHarness({ env });
  return () => scope.h;
}

async function me(h: Harness): Promise<{ status: number; body: unknown }> {
  const res = await context.request.get(`${h.url}/me`, { headers: { Accept: 'application/json' } });
  return { status: res.status(), body: await res.json() };
}

function accountIn(chooser: Page | FrameLocator, email: string) {
  return chooser.locator('button.account', { hasText: email });
}

function oneTap(): FrameLocator {
  return page.frameLocator('#credential_picker_iframe');
}

async function expectHomeAs(h: Harness, name: string): Promise<void> {
  await page.waitForURL(`${h.url}/`);
  expect(await page.locator('.user .name').innerText()).toBe(name);
  expect(await me(h)).toMatchObject({ status: 200, body: { email: ALICE.email } });
}

describe('the Google button, callback mode (GSI_UX_MODE=popup, the default)', () => {
  const app = useApp({ GSI_BUTTON: 'on' });

  it('when an account is picked in the popup, then the page posts the credential and greets the user', async () => {
    const h = app();
    await page.goto(`${h.url}/login`);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: GSI_BUTTON }).click(),
    ]);
    await popup.waitForLoadState();
    expect(await popup.title()).toBe('Emulated Google — sign in with Google');
    await accountIn(popup, ALICE.email).click();
    await expect
      .poll(() => page.locator('#result h1').textContent())
      .toMatch(new RegExp(`^Welcome( back)?, ${ALICE.name}!$`));
    await expectHomeAs(h, ALICE.name);
    // No One Tap unless ONE_TAP=on.
    expect(await page.locator('#credential_picker_iframe').count()).toBe(0);
    expect(consoleWatch.problems).toEqual([]);
  });
});

describe('the Google button, redirect mode (GSI_UX_MODE=redirect: Google posts to login_uri)', () => {
  const app = useApp({ GSI_UX_MODE: 'redirect', GSI_BUTTON: 'on' });

  it('when an account is picked, then Google posts the form with g_csrf_token and the user lands home', async () => {
    const h = app();
    await page.goto(`${h.url}/login`);
    await page.getByRole('button', { name: GSI_BUTTON }).click();
    await page.waitForURL(new RegExp(`^${h.emulator.url}/gsi/select`));
    const [post] = await Promise.all([
      page.waitForRequest(`${h.url}/auth/google/credential`),
      accountIn(page, ALICE.email).click(),
    ]);
    // Google's page posted it (no-referrer: Origin "null"), a cross-origin form that the
    // cross-site rule alone would refuse, carrying our cookie and the same field.
    expect(await post.headerValue('origin')).not.toBe(h.url);
    expect(post.isNavigationRequest()).toBe(true);
    const field = new URLSearchParams(post.postData() ?? '').get('g_csrf_token');
    expect(await post.headerValue('cookie')).toContain(`g_csrf_token=${field}`);
    await expectHomeAs(h, ALICE.name);
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when Google posts a g_csrf_token that differs from the cookie, then 403 and nobody is signed in', async () => {
    const h = app();
    h.emulator.inject('gsi', { kind: 'csrfMismatch' });
    await page.goto(`${h.url}/login`);
    await page.getByRole('button', { name: GSI_BUTTON }).click();
    await page.waitForURL(new RegExp(`^${h.emulator.url}/gsi/select`));
    const [response] = await Promise.all([
      page.waitForResponse(`${h.url}/auth/google/credential`),
      accountIn(page, ALICE.email).click(),
    ]);
    expect(response.status()).toBe(403);
    expect((await me(h)).status).toBe(401);
    // The browser logs the failed navigation's 403 itself; nothing else may go wrong.
    expect(consoleWatch.unexpected('status of 403')).toEqual([]);
  });
});

describe('One Tap (ONE_TAP=on, ONE_TAP_AUTO_SELECT=on)', () => {
  const app = useApp({ ONE_TAP: 'on', ONE_TAP_AUTO_SELECT: 'on' });

  async function signInWithOneTap(h: Harness): Promise<void> {
    await page.goto(`${h.url}/login`);
    await accountIn(oneTap(), ALICE.email).click();
    await expectHomeAs(h, ALICE.name);
  }

  it('when the prompt is answered, then the user is signed in without leaving the page', async () => {
    const h = app();
    await signInWithOneTap(h);
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when a returning user comes back, then auto select signs them in without a click', async () => {
    const h = app();
    await signInWithOneTap(h);
    // The session ends without a sign-out (it expired, say): Google still knows the account.
    await context.clearCookies({ name: 'sid' });
    expect((await me(h)).status).toBe(401);
    await page.goto(`${h.url}/login`);
    await expectHomeAs(h, ALICE.name);
    expect(consoleWatch.problems).toEqual([]);
  });

  it('when the user signed out, then the sign-in page calls disableAutoSelect and One Tap waits for a click', async () => {
    const h = app();
    await signInWithOneTap(h);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${h.url}/`);
    await page.goto(`${h.url}/login`);
    // The prompt shows the chooser instead of signing straight back in.
    await expect.poll(() => accountIn(oneTap(), ALICE.email).isVisible()).toBe(true);
    expect(page.url()).toBe(`${h.url}/login`);
    expect((await me(h)).status).toBe(401);
    expect(await page.evaluate(() => document.cookie)).toContain('g_state=');
    // And a click still signs in.
    await accountIn(oneTap(), ALICE.email).click();
    await expectHomeAs(h, ALICE.name);
    expect(consoleWatch.problems).toEqual([]);
  });
});

describe('the One Tap frame on a phone and a laptop (ONE_TAP=on)', () => {
  const app = useApp({ ONE_TAP: 'on' });
  const ACCOUNTS = 4;

  /** The sign-in page at one size with One Tap's chooser shown, sized to what it holds. */
  async function oneTapAt(viewport: { width: number; height: number }) {
    const sized = await newContext({ viewport });
    const watch = await watchConsole(sized);
    const p = await sized.newPage();
    await p.goto(`${app().url}/login`);
    const chooser = p.frameLocator('#credential_picker_iframe');
    await chooser
      .locator('button.account')
      .nth(ACCOUNTS - 1)
      .waitFor();
    const frame = p.locator('#credential_picker_iframe');
    // Until the chooser has said its height, the frame has the default one.
    await expect.poll(async () => (await frame.boundingBox())?.height).not.toBe(470);
    const box = (await frame.boundingBox())!;
    return { p, chooser, frame, box, watch };
  }

  it('when One Tap opens at 1280×800, then all four accounts show in the frame without scrolling', async () => {
    const { p, chooser, box, watch } = await oneTapAt(VIEWPORTS.desktop);
    expect(box.x + box.width).toBeLessThanOrEqual(VIEWPORTS.desktop.width);
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = (await chooser.locator('button.account').nth(i).boundingBox())!;
      expect(account.y + account.height, `account ${i + 1}`).toBeLessThanOrEqual(
        box.y + box.height,
      );
    }
    const frame = p.frame({ url: /\/gsi\/select/ })!;
    expect(await auditPage(frame, 'One Tap frame')).toEqual([]);
    expect(watch.problems).toEqual([]);
  });

  it('when One Tap opens at 390×844, then it is a sheet along the bottom that leaves most of the page seen, and the fourth account can be picked', async () => {
    const { p, chooser, box, watch } = await oneTapAt(VIEWPORTS.phone);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    expect(box.y + box.height).toBeLessThanOrEqual(VIEWPORTS.phone.height);
    expect(box.height).toBeLessThanOrEqual(VIEWPORTS.phone.height * 0.6 + 1);
    const frame = p.frame({ url: /\/gsi\/select/ })!;
    expect(await auditPage(frame, 'One Tap frame')).toEqual([]);
    expect(await auditPage(p, '/login with One Tap')).toEqual([]);
    await chooser
      .locator('button.account')
      .nth(ACCOUNTS - 1)
      .click();
    await p.waitForURL(`${app().url}/`);
    expect(watch.problems).toEqual([]);
  });
});
