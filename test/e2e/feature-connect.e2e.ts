/**
 * Ask in context in Chromium: a signed-in user turns a feature on from the account page, unticks
 * its scope on the emulator's consent page, and comes back to the feature shown off with "Turn on".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { signInFromAccountPage, useChromium, type ConsoleWatch } from '../support/browser.js';
import { useHarness } from '../support/use-harness.js';

const CALENDAR = 'https://www.googleapis.com/auth/calendar.readonly';

let h: Harness;
let page: Page;
let consoleWatch: ConsoleWatch;

useHarness({ env: { GOOGLE_FEATURES: `calendar=${CALENDAR}` } }, (s) => ({ h } = s));
useChromium((t) => ({ page, consoleWatch } = t));

describe('turning a feature on', () => {
  it('when the user unticks the scope on the consent page, then the account page shows the feature off with "Turn on"', async () => {
    await signInFromAccountPage(page, h.url, 'alice@example.com');
    const feature = page.locator('li.feature[data-feature="calendar"]');
    await expect.poll(() => feature.getAttribute('data-status')).toBe('not_granted');

    await feature.getByRole('link', { name: 'Turn on' }).click();
    // The emulator's consent page, in this window (the redirect flow): untick, choose the account.
    await page.getByRole('checkbox').uncheck();
    await page.locator('button.account[data-login-hint]').click();

    await page.waitForURL(`${h.url}/account`);
    await expect.poll(() => feature.getAttribute('data-status')).toBe('denied');
    expect(await feature.innerText()).toContain('Turn on');
    expect(await page.locator('body').innerText()).toContain('Calendar stays off');
    expect(consoleWatch.unexpected()).toEqual([]);
  });
});
