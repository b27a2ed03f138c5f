/**
 * Every page a person meets, signed out and signed in, on a phone (390×844) and a laptop
 * (1280×800): none may scroll sideways, log a console error, or have an accessibility violation
 * of serious or critical impact by axe-core (the real engine, run in the page).
 */
import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { useChromium, watchConsole, type ChromiumTest } from '../support/browser.js';
import type { Harness } from '../support/harness.js';
import { auditPage, VIEWPORTS } from '../support/page-audit.js';
import { useHarness } from '../support/use-harness.js';

const DRIVE = 'https://www.googleapis.com/auth/drive.file';
const CALENDAR = 'https://www.googleapis.com/auth/calendar.readonly';
const REAUTH_MINUTES = 10;
const CAROL = 'carol@example.com';

let h: Harness;
let newContext: ChromiumTest['newContext'];
/** Added to the app's clock: moving it on makes the open account page a stale tab. */
let clockOffsetMs = 0;

useHarness(
  {
    env: { GOOGLE_SCOPES: DRIVE, GOOGLE_FEATURES: `calendar=${CALENDAR}` },
    now: () => Date.now() + clockOffsetMs,
  },
  (s) => ({ h } = s),
);
useChromium((t) => ({ newContext } = t));
beforeEach(() => {
  clockOffsetMs = 0;
});

/** A browser profile at one size, whose console errors are collected into `problems`. */
async function browserAt(viewport: { width: number; height: number }, problems: string[]) {
  const context = await newContext({ viewport });
  const watch = await watchConsole(context);
  const page = await context.newPage();
  // Chromium logs an error page's own status as a console error: no fault where it was asked for.
  const askedErrors: { status: string; url: string }[] = [];
  const expectStatus = (status: number, path: string) =>
    askedErrors.push({ status: `a status of ${status} `, url: `(${h.url}${path})` });
  const visit = async (target: Page, label: string) => {
    await target.waitForLoadState('load');
    problems.push(...(await auditPage(target, label)));
  };
  const open = async (path: string, label = path, status = 200) => {
    if (status !== 200) expectStatus(status, path);
    const res = await page.goto(`${h.url}${path}`);
    expect(res?.status(), label).toBe(status);
    await visit(page, label);
  };
  const consoleProblems = () =>
    watch.problems.filter(
      (p) => !askedErrors.some((asked) => p.includes(asked.status) && p.includes(asked.url)),
    );
  return { context, page, visit, open, expectStatus, consoleProblems };
}

/** Signs in through the Google button's popup (the emulator's chooser, audited on the way). */
async function signInWithPopup(
  page: Page,
  visit: (p: Page, label: string) => Promise<void>,
  account = 'alice@example.com',
): Promise<void> {
  await page.goto(`${h.url}/login?returnTo=%2Faccount`);
  await page.locator('#google-signin:enabled').waitFor();
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.locator('#google-signin').click(),
  ]);
  await visit(popup, 'emulator: the button popup chooser');
  await popup.locator('button.account', { hasText: account }).click();
  await page.waitForURL(`${h.url}/account`);
}

/** Signs in with the redirect (code) flow, which connects Google: the account gets a grant. */
async function signInWithRedirect(
  page: Page,
  visit: (p: Page, label: string) => Promise<void>,
  account: string,
): Promise<void> {
  await page.goto(`${h.url}/auth/google?returnTo=%2Faccount`);
  await page.waitForURL(new RegExp(`^${h.emulator.url}/`));
  await visit(page, 'emulator: the consent page');
  await page.locator('button.account', { hasText: account }).click();
  await page.waitForURL(`${h.url}/account`);
}

describe.each(Object.entries(VIEWPORTS))('every page at %s size', (_name, viewport) => {
  it('when a visitor is signed out, then no page overflows, logs an error or fails axe', async () => {
    const problems: string[] = [];
    const b = await browserAt(viewport, problems);
    await b.open('/login');
    await b.open('/');
    await b.open('/no-such-page', '404', 404);
    await b.open('/sign-in-failed?reason=access_denied&status=403', 'sign-in failed', 403);
    await b.open('/sign-in-failed', 'sign-in failed (no reason)', 400);
    await signInWithPopup(b.page, b.visit);
    problems.push(...b.consoleProblems());
    expect(problems).toEqual([]);
  });

  it('when a user is signed in with several sessions, a security log and a Google grant, then no page overflows, logs an error or fails axe', async () => {
    const problems: string[] = [];
    // Carol (no other test here signs her in) grants access for 3 days on her first consent: the
    // account page shows its end and the renewal prompt.
    h.emulator.limitAccess({ seconds: 3 * 24 * 3600, account: CAROL });
    onTestFinished(() => h.emulator.clearTimeLimits());
    const other = await browserAt(viewport, problems);
    await signInWithPopup(other.page, async () => {}, CAROL);
    const b = await browserAt(viewport, problems);
    await signInWithRedirect(b.page, b.visit, CAROL);
    await expect
      .poll(() => b.page.locator('#google-connection').getAttribute('data-status'))
      .toBe('connected');
    await b.open('/');
    await b.open('/account');
    expect(await b.page.locator('#access-ends').textContent()).toContain('Google access ends on');
    expect(await b.page.getByText('Turn on').count()).toBeGreaterThan(0);
    // A page for a browser once it has one (JSON is not a page to audit).
    const google = await b.context.request.get(`${h.url}/account/google`, {
      headers: { Accept: 'text/html' },
    });
    if (google.headers()['content-type']?.startsWith('text/html')) {
      await b.open('/account/google', '/account/google (a browser)');
    }
    await b.open(
      '/account/google/connect/cancelled?feature=calendar&returnTo=/account',
      'a connect cancelled at Google',
    );
    await b.open('/account/google/connect/done?feature=calendar', "a popup connect's last page");
    await b.open('/no-such-page', '404 (signed in)', 404);
    await b.open('/login', '/login (signed in)');

    // A stale tab: the sign-in is older than the account actions allow when the form is sent.
    await b.open('/account');
    clockOffsetMs = (REAUTH_MINUTES + 1) * 60_000;
    b.expectStatus(403, '/account/sessions/revoke-others');
    await b.page.locator('form[action="/account/sessions/revoke-others"] button').click();
    await b.visit(b.page, 'the re-authentication page');

    problems.push(...b.consoleProblems());
    expect(problems).toEqual([]);
  });
});
