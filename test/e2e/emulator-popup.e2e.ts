import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { useChromium } from '../support/browser.js';
import { CLIENT } from '../support/client.js';
import { exchange, startEmulator } from '../support/emulator.js';

/**
 * A real browser drives the emulator's popup code client against a page with a strict CSP, as
 * the app's sign-in page does. Runs in `npm run test:e2e`, which needs Chromium: a missing one
 * fails the suite rather than skipping it.
 */
describe('GSI popup flow in a real browser', () => {
  let emu: Emulator;
  let app: Server;
  let appUrl: string;
  let tab: Page;

  beforeAll(async () => {
    emu = await startEmulator();
    app = createServer((req, res) => {
      if (req.url === '/page.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(`
          window.results = [];
          document.getElementById('go').addEventListener('click', function () {
            google.accounts.oauth2.initCodeClient({
              client_id: ${JSON.stringify(CLIENT.clientId)},
              scope: 'openid email profile',
              ux_mode: 'popup',
              state: 'xyz',
              callback: function (r) { window.results.push(r); },
              error_callback: function (e) { window.results.push({ errorType: e.type }); },
            }).requestCode();
          });`);
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': `default-src 'self'; script-src 'self' ${emu.url}; object-src 'none'; base-uri 'none'`,
        'cross-origin-opener-policy': 'same-origin-allow-popups',
      });
      res.end(`<!doctype html><button id="go">Sign in</button>
        <script src="${emu.url}/gsi/client"></script><script src="/page.js"></script>`);
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://localhost:${(app.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    app?.closeAllConnections();
    await new Promise((resolve) => app?.close(resolve));
    await emu?.close();
  });
  // After the hooks above, so Chromium closes before the page's server and the emulator.
  useChromium((t) => (tab = t.page));

  async function openPopup() {
    const page = tab;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${appUrl}/`);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')]);
    await popup.waitForLoadState();
    return { page, popup, errors };
  }

  it('when an account is chosen in the popup, then the page callback gets a working code', async () => {
    const { page, popup, errors } = await openPopup();
    expect(await popup.title()).toBe('Emulated Google — choose an account');
    await popup.click(`button[value="${emu.accounts[0]?.sub}"]`);
    await page.waitForFunction(
      () => (window as unknown as { results: unknown[] }).results.length > 0,
    );
    const [result] = (await page.evaluate(
      () => (window as unknown as { results: unknown[] }).results,
    )) as {
      code: string;
      state: string;
    }[];
    expect(result).toMatchObject({ state: 'xyz' });
    expect((await exchange(emu, String(result?.code))).status).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('when Cancel is pressed, then the callback gets access_denied', async () => {
    const { page, popup } = await openPopup();
    await popup.click('button.cancel');
    await page.waitForFunction(
      () => (window as unknown as { results: unknown[] }).results.length > 0,
    );
    expect(
      await page.evaluate(() => (window as unknown as { results: unknown[] }).results),
    ).toEqual([{ error: 'access_denied', state: 'xyz' }]);
    await page.close();
  });

  it('when the popup is closed by the user, then error_callback gets popup_closed', async () => {
    const { page, popup } = await openPopup();
    await popup.close();
    await page.waitForFunction(
      () => (window as unknown as { results: unknown[] }).results.length > 0,
    );
    expect(
      await page.evaluate(() => (window as unknown as { results: unknown[] }).results),
    ).toEqual([{ errorType: 'popup_closed' }]);
    await page.close();
  });
});
