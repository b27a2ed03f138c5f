/**
 * Active sessions in Chromium: one user signed in in two browser contexts (two browsers, as far
 * as cookies go) ends the other from the account page; the other's next page load is signed out.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { signInFromAccountPage, useChromium, type ChromiumTest } from '../support/browser.js';
import { useHarness } from '../support/use-harness.js';

let h: Harness;
let newContext: ChromiumTest['newContext'];

useHarness({}, (s) => ({ h } = s));
useChromium((t) => ({ newContext } = t));

/** A fresh browser context signed in as alice through the popup, on /account. */
async function signedInOnAccountPage(): Promise<Page> {
  const context = await newContext();
  const page = await context.newPage();
  await signInFromAccountPage(page, h.url, 'alice@example.com');
  return page;
}

describe('account page sessions', () => {
  it('when a user ends their other browser from the account page, then that browser is signed out on its next page load', async () => {
    const other = await signedInOnAccountPage();
    const mine = await signedInOnAccountPage();
    await mine.reload();
    await expect.poll(() => mine.locator('ul.sessions li.session').count()).toBe(2);

    const otherRow = mine.locator('ul.sessions li.session:not([data-current])');
    await otherRow.getByRole('button', { name: 'End this session' }).click();
    await mine.waitForURL(`${h.url}/account#sessions`);
    expect(await mine.locator('ul.sessions li.session').count()).toBe(1);

    await other.goto(`${h.url}/account`);
    await other.waitForURL(`${h.url}/login?returnTo=%2Faccount`);
    await mine.goto(`${h.url}/account`);
    expect(mine.url()).toBe(`${h.url}/account`);
  });
});
