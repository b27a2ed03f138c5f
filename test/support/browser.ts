import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet headless Chromium that talks to nothing but our loopback servers. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** What a test gets from useChromium: its own browser profile, page and console watch. */
export interface ChromiumTest {
  browser: Browser;
  /** A fresh profile per test: no cookies or storage carried over. */
  context: BrowserContext;
  page: Page;
  consoleWatch: ConsoleWatch;
  /** Another profile for this test (a second browser, as far as cookies go), closed after it. */
  newContext: (options?: BrowserContextOptions) => Promise<BrowserContext>;
}

/**
 * The one way e2e tests get Chromium: launched once in beforeAll, closed in afterAll; each test
 * gets fresh contexts (closed after it), handed to `onTest` in beforeEach so a file can keep
 * plain variables: `useChromium((t) => ({ page, consoleWatch } = t))`. Register it after
 * useHarness, so Chromium closes before the app does.
 */
export function useChromium(onTest: (test: ChromiumTest) => void): void {
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  const started = () => {
    if (!browser) throw new Error('useChromium: Chromium starts in beforeAll');
    return browser;
  };
  const newContext = async (options?: BrowserContextOptions) => {
    const context = await started().newContext(options);
    contexts.push(context);
    return context;
  };
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    const context = await newContext();
    const consoleWatch = await watchConsole(context);
    const page = await context.newPage();
    onTest({ browser: started(), context, page, consoleWatch, newContext });
  });
  afterEach(async () => {
    const closing = contexts;
    contexts = [];
    for (const context of closing) await context.close();
  });
}

/** What the browser complained about, in every page of a context (popups included). */
export interface ConsoleWatch {
  /** Console errors, uncaught exceptions and CSP violations, as text. */
  problems: string[];
  /** Problems other than the expected ones (by substring). */
  unexpected(...allowed: string[]): string[];
}

/**
 * Watches every page of the context. Chromium reports CSP violations as console errors; the
 * init script also turns each `securitypolicyviolation` event into one, so none goes unnoticed.
 */
export async function watchConsole(context: BrowserContext): Promise<ConsoleWatch> {
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      const text = msg.text();
      if (msg.type() === 'error' || /Content Security Policy/i.test(text)) {
        problems.push(`${msg.type()}: ${text} (${msg.location().url || page.url()})`);
      }
    });
  };
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    problems,
    unexpected: (...allowed) => problems.filter((p) => !allowed.some((a) => p.includes(a))),
  };
}

/**
 * Opens /account signed out, signs in as `account` through the popup of the sign-in page it is
 * sent to, and waits to be back on /account.
 */
export async function signInFromAccountPage(
  page: Page,
  url: string,
  account: string,
): Promise<void> {
  await page.goto(`${url}/account`);
  await page.waitForURL(`${url}/login?returnTo=%2Faccount`);
  await page.locator('#google-signin:enabled').waitFor();
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: 'Sign in with Google' }).click(),
  ]);
  await popup.waitForLoadState();
  await popup.locator('button.account', { hasText: account }).click();
  await page.waitForURL(`${url}/account`);
}
