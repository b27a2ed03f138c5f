// A popup sign-in with an account outside ALLOWED_DOMAINS: the page says who may sign in.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useChromium } from '../support/browser.js';
import type { Harness } from '../support/harness.js';
import { useHarness } from '../support/use-harness.js';

let h: Harness;
let page: Page;

// Two domains: with one, the popup would carry hd= and Google would offer only that domain's
// accounts (test/signin/google-hints.test.ts), so no outside account could be picked.
useHarness({ env: { ALLOWED_DOMAINS: 'example.com,example.net' } }, (s) => ({ h } = s));
useChromium((t) => ({ page } = t));

describe('popup sign-in of an account that is not allowed', () => {
  it('when a consumer account is picked, then the page names the allowed domains and offers another account', async () => {
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
        'This Google account cannot sign in here. Only accounts of example.com, example.net (and invited addresses) may sign in. Sign in with another Google account.',
      );
    // The button is back for another account.
    await expect.poll(() => page.locator('#google-signin').isEnabled()).toBe(true);
    expect(h.userRows()).toEqual([]);
  });
});
