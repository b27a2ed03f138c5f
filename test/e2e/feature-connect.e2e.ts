/**
 * Ask in context in Chromium: a signed-in user turns a feature on from the account page; with
 * JavaScript the connect runs in a popup, whose last page tells the account page (which reloads)
 * and closes. Unticking the scope, allowing it, cancelling at Google and choosing another Google
 * account each end that way.
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
  /** Clicks "Turn on" on the account page: the emulator's consent page, in a popup window. */
  async function openConnectPopup(feature: ReturnType<Page['locator']>): Promise<Page> {
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      feature.getByRole('link', { name: 'Turn on' }).click(),
    ]);
    await popup.waitForLoadState();
    return popup;
  }

  it('when the user unticks the scope in the popup, then the popup closes and the account page shows the feature off with "Turn on"', async () => {
    await signInFromAccountPage(page, h.url, 'alice@example.com');
    const feature = page.locator('li.feature[data-feature="calendar"]');
    await expect.poll(() => feature.getAttribute('data-status')).toBe('not_granted');

    const popup = await openConnectPopup(feature);
    // The emulator's consent page, in the popup: untick, choose the account.
    await popup.getByRole('checkbox').uncheck();
    const closed = popup.waitForEvent('close');
    await popup.locator('button.account[data-login-hint]').click();
    await closed;

    // The account page reloads itself when the popup's last page says it is done.
    await expect.poll(() => feature.getAttribute('data-status')).toBe('denied');
    expect(page.url()).toBe(`${h.url}/account`);
    expect(await feature.innerText()).toContain('Turn on');
    expect(await page.locator('body').innerText()).toContain('Calendar stays off');
    expect(consoleWatch.unexpected()).toEqual([]);
  });

  it('when the user allows the scope in the popup, then the popup closes and the account page shows the feature on, still signed in', async () => {
    await signInFromAccountPage(page, h.url, 'bob@example.org');
    const feature = page.locator('li.feature[data-feature="calendar"]');
    await expect.poll(() => feature.getAttribute('data-status')).toBe('not_granted');

    const popup = await openConnectPopup(feature);
    const closed = popup.waitForEvent('close');
    await popup.locator('button.account[data-login-hint]').click();
    await closed;

    await expect.poll(() => feature.getAttribute('data-status')).toBe('granted');
    expect(await page.locator('body').innerText()).toContain('Calendar is on.');
    expect(consoleWatch.unexpected()).toEqual([]);
  });

  it('when the user cancels at Google in the popup, then the popup closes and the account page says nothing changed', async () => {
    await signInFromAccountPage(page, h.url, 'carol@example.com');
    const feature = page.locator('li.feature[data-feature="calendar"]');
    const popup = await openConnectPopup(feature);
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Cancel' }).click();
    await closed;

    await expect
      .poll(() => page.locator('body').innerText())
      .toContain('Calendar was not turned on: you cancelled at Google. Nothing changed.');
    expect(await feature.getAttribute('data-status')).toBe('not_granted');
    expect(consoleWatch.unexpected()).toEqual([]);
  });

  it('when the user picks another Google account in the popup, then the popup closes and the account page says so, the feature unchanged', async () => {
    await signInFromAccountPage(page, h.url, 'alice@example.com');
    const feature = page.locator('li.feature[data-feature="calendar"]');
    const before = await feature.getAttribute('data-status');
    expect(before).not.toBe('granted');

    const popup = await openConnectPopup(feature);
    const closed = popup.waitForEvent('close');
    // Not the preselected (signed-in) account: another one of the emulator's.
    await popup.locator('button.account', { hasText: 'carol@example.com' }).click();
    await closed;

    await expect
      .poll(() => page.locator('body').innerText())
      .toContain('Calendar was not turned on: you chose another Google account. Nothing changed');
    expect(await feature.getAttribute('data-status')).toBe(before);
    expect(page.url()).toBe(`${h.url}/account`);
    expect(consoleWatch.unexpected()).toEqual([]);
  });
});
