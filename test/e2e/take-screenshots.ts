// `npm run screenshots`: the README's pictures (docs/*.png): the sign-in page and the signed-in
// home page on a laptop, and the account page on a phone.
import { mkdirSync } from 'node:fs';
import { launchChromium } from '../support/browser.js';
import { startHarness } from '../support/harness.js';
import { VIEWPORTS } from '../support/page-audit.js';

const OUT = new URL('../../docs/', import.meta.url);
const VIEWPORT = { width: 720, height: 560 };

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const h = await startHarness();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(`${h.url}/login`);
    await page.locator('#google-signin:enabled').waitFor();
    await page.screenshot({ path: new URL('login.png', OUT).pathname });

    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.locator('#google-signin').click(),
    ]);
    await popup.locator('button.account', { hasText: 'alice@example.com' }).click();
    await page.waitForURL(`${h.url}/`);
    await page.locator('.user img.avatar').waitFor();
    await page.screenshot({ path: new URL('home.png', OUT).pathname });

    // The phone signs in with the redirect flow, so the account page shows a Google connection.
    const phone = await browser.newPage({ viewport: VIEWPORTS.phone, deviceScaleFactor: 2 });
    await phone.goto(`${h.url}/auth/google?returnTo=%2Faccount`);
    await phone.locator('button.account', { hasText: 'alice@example.com' }).click();
    await phone.waitForURL(`${h.url}/account`);
    await phone.screenshot({ path: new URL('phone.png', OUT).pathname });
  } finally {
    await browser.close();
    await h.close();
  }
}

await main();
