/**
 * The account page in Chromium: sign in with the popup (coming back to /account), see the
 * granted scopes, delete the account through its confirmation step.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { signInFromAccountPage, useChromium, type ConsoleWatch } from '../support/browser.js';
import { useHarness } from '../support/use-harness.js';

const DRIVE = 'https://www.googleapis.com/auth/drive.file';

let h: Harness;
let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;

useHarness({ env: { GOOGLE_SCOPES: DRIVE } }, (s) => ({ h } = s));
useChromium((t) => ({ context, page, consoleWatch } = t));

describe('account page', () => {
  it('when a user signs in from /account, then the page lists the granted scopes, and the confirmed delete removes the account', async () => {
    await signInFromAccountPage(page, h.url, 'alice@example.com');

    const scopes = await page.locator('ul.scopes li').allInnerTexts();
    expect(scopes).toEqual([
      'Associate you with your personal info on Google',
      'See your primary Google Account email address',
      "See your personal info, including any personal info you've made publicly available",
      'See, edit, create, and delete only the specific Google Drive files you use with this app',
    ]);
    await expect
      .poll(() => page.locator('#google-connection').getAttribute('data-status'))
      .toBe('connected');
    expect(await page.locator('.facts').first().innerText()).toContain('alice@example.com');

    await page.locator('details.delete summary').click();
    await page.getByLabel('Yes, delete my account').check();
    await page.locator('details.delete').getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(`${h.url}/`);
    expect(h.userRows().map((u) => u.email)).not.toContain('alice@example.com');
    expect(h.emulator.calls('revoke')).toHaveLength(1);
    const me = await context.request.get(`${h.url}/me`, {
      headers: { Accept: 'application/json' },
    });
    expect(me.status()).toBe(401);
    // Like signing out: the sign-in page will keep One Tap from signing the account back in.
    expect(await page.evaluate(() => window.localStorage.getItem('gconnect.signedOut'))).toBe('1');
    expect(consoleWatch.unexpected()).toEqual([]);
  });
});
