// `npm run screenshots`: the login page and the signed-in home page, for the README (docs/*.png).
import { mkdirSync } from 'node:fs';
import { launchChromium } from '../support/browser.js';
import { startHarness } from '../support/harness.js';

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
  } finally {
    await browser.close();
    await h.close();
  }
}

await main();
