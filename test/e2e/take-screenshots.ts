// `npm run screenshots`: the README's pictures (docs/*.png): the sign-in page and the signed-in
// home page on a laptop, and the account page on a phone, its top and its Features section (two
// features configured, Calendar turned on, Drive still off).
import { mkdirSync } from 'node:fs';
import { launchChromium } from '../support/browser.js';
import { startHarness } from '../support/harness.js';
import { VIEWPORTS } from '../support/page-audit.js';

const OUT = new URL('../../docs/', import.meta.url);
const VIEWPORT = { width: 720, height: 560 };
const FEATURES =
  'calendar=https://www.googleapis.com/auth/calendar.readonly,drive=https://www.googleapis.com/auth/drive.file';

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const h = await startHarness({ env: { GOOGLE_FEATURES: FEATURES } });
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

    // Calendar turned on by its connect (the redirect flow: the link "Turn on" follows).
    await phone.goto(`${h.url}/account/google/connect?feature=calendar&returnTo=%2Faccount`);
    await phone.locator('button.account', { hasText: 'alice@example.com' }).click();
    await phone.waitForURL(`${h.url}/account`);
    await phone.locator('li.feature[data-feature="calendar"][data-status="granted"]').waitFor();
    await phone.locator('#features').evaluate((heading) => heading.scrollIntoView());
    await phone.screenshot({ path: new URL('features.png', OUT).pathname });
  } finally {
    await browser.close();
    await h.close();
  }
}

await main();
