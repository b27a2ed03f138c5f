// A popup sign-in with an account outside ALLOWED_DOMAINS: the page says who may sign in.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness({ env: { ALLOWED_DOMAINS: 'example.com' } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('popup sign-in of an account that is not allowed', () => {
  it('when a consumer account is picked, then the page names the allowed domain and offers another account', async () => {
    const context = await browser.newContext();
    try {
      const page: Page = await context.newPage();
      await page.goto(`${h.url}/login`);
      await expect.poll(() => page.locator('#google-signin').isEnabled()).toBe(true);
      const [popup] = await Promise.all([
        page.waitForEvent('popup'),
        page.getByRole('button', { name: 'Sign in with Google' }).click(),
      ]);
      await popup.locator('button.account', { hasText: 'bob@example.org' }).click();
      await expect
        .poll(() => page.locator('#status').innerText())
        .toBe(
          'This Google account cannot sign in here. Only accounts of example.com (and invited addresses) may sign in. Sign in with another Google account.',
        );
      // The button is back for another account.
      await expect.poll(() => page.locator('#google-signin').isEnabled()).toBe(true);
      expect(h.userRows()).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
