/**
 * examples/host-app from the packed tarball, as a newcomer gets it: `npm pack`, a temporary copy
 * of the example with the tarball installed, its TypeScript type-checked against the tarball's
 * types and compiled, and the app run against `startEmulator()` from the installed
 * `gconnect-express/emulator`: sign in, /dashboard, sign out. Slow (an npm install): its own
 * temporary folder, removed afterwards.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, buildDist, ROOT } from '../support/dist.js';
import { startListening } from '../support/server-process.js';

type EmulatorModule = typeof import('../../emulator/index.js');

const run = promisify(execFile);
const EXAMPLE = join(ROOT, 'examples', 'host-app');
/** npm install from npm's cache on a loaded machine; better-sqlite3's compile is skipped. */
const INSTALL_TIMEOUT_MS = 300_000;

let dir: string;
let app: string;

/** `npm pack` of the built package into `dir`; the tarball's path. */
async function pack(): Promise<string> {
  // dist/ is built once per run (buildDist); prepack would build it again.
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    { cwd: ROOT, timeout: 60_000 },
  );
  const [report] = JSON.parse(stdout) as [{ filename: string }];
  return join(dir, report.filename);
}

/**
 * The example's copy with the tarball installed. Install scripts are skipped: better-sqlite3's
 * would compile SQLite for minutes; the same version's binary, built for this Node, is copied
 * from the repository's own node_modules instead.
 */
async function installExample(tarball: string): Promise<void> {
  cpSync(EXAMPLE, app, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist|data)$/.test(src),
  });
  await run(
    'npm',
    ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    { cwd: app, timeout: INSTALL_TIMEOUT_MS },
  );
  const release = join('node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(join(app, release), { recursive: true });
  copyFileSync(
    join(ROOT, release, 'better_sqlite3.node'),
    join(app, release, 'better_sqlite3.node'),
  );
}

beforeAll(
  async () => {
    await buildDist();
    dir = mkdtempSync(join(tmpdir(), 'gconnect-host-app-'));
    app = join(dir, 'app');
    await installExample(await pack());
  },
  BUILD_TIMEOUT_MS + INSTALL_TIMEOUT_MS + 60_000,
);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tsc(...args: string[]) {
  return run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), ...args], {
    cwd: app,
    timeout: 240_000,
  });
}

/** `gconnect-express/emulator` as the example's node_modules has it, through the exports map. */
async function installedEmulator(): Promise<EmulatorModule> {
  const manifest = JSON.parse(
    readFileSync(join(app, 'node_modules', 'gconnect-express', 'package.json'), 'utf8'),
  ) as { exports: Record<string, { import: string }> };
  const entry = manifest.exports['./emulator']?.import ?? '';
  const url = pathToFileURL(join(app, 'node_modules', 'gconnect-express', entry)).href;
  return (await import(url)) as EmulatorModule;
}

describe('examples/host-app installed from the tarball', () => {
  it("when type-checked, then the consumer's TypeScript compiles against the tarball's types", async () => {
    const result = await tsc('-p', '.', '--noEmit').catch((err: { stdout?: string }) => err);
    expect(result.stdout ?? '').toBe('');
  }, 300_000);

  describe('when it runs against startEmulator() from gconnect-express/emulator', () => {
    let google: Awaited<ReturnType<EmulatorModule['startEmulator']>>;
    let signIn: EmulatorModule['signIn'];
    let child: ChildProcess | undefined;
    let url: string;
    let output = () => '';

    /** Starts the compiled example against the emulator; resolves once it listens. */
    async function startExample(database: string) {
      return startListening(process.execPath, ['dist/server.js'], {
        cwd: app,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          PORT: '0',
          DATABASE_URL: `file:${join(dir, database)}`,
          GOOGLE_CLIENT_ID: google.clientId,
          GOOGLE_CLIENT_SECRET: google.clientSecret,
          GOOGLE_EMULATOR_URL: google.url,
          SESSION_SECRET: 'host-app-test-secret-0123456789abcdef',
        },
      });
    }

    beforeAll(async () => {
      await tsc('-p', '.');
      const emulator = await installedEmulator();
      signIn = emulator.signIn;
      google = await emulator.startEmulator();
      const example = await startExample('app.db');
      child = example.child;
      url = example.url;
      output = () => example.output();
    }, 360_000);

    afterAll(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await google?.close();
    });

    const dashboard = (cookie = '') =>
      fetch(`${url}/dashboard`, { headers: { accept: 'text/html', cookie }, redirect: 'manual' });

    it("then the home page is the host's, and /dashboard sends a visitor to sign in", async () => {
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('<h1>Host app</h1>');
      const res = await dashboard();
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/login?returnTo=%2Fdashboard');
    });

    it('then a sign-in opens /dashboard with the name, and after sign-out it redirects to /login', async () => {
      const { cookie } = await signIn(google, url, { account: 'alice@example.com' });
      const res = await dashboard(cookie);
      expect(res.status, output()).toBe(200);
      expect(await res.text()).toBe('Hello Alice Example');
      const home = await fetch(`${url}/`, { headers: { cookie } });
      expect(await home.text()).toContain('Signed in as Alice Example.');

      const logout = await fetch(`${url}/logout`, {
        method: 'POST',
        headers: { cookie },
        redirect: 'manual',
      });
      expect(logout.status).toBe(303);

      const after = await dashboard(cookie);
      expect(after.status).toBe(302);
      expect(after.headers.get('location')).toMatch(/^\/login\b/);
    });

    // An instance of its own, so the other tests' instance keeps serving in any order.
    it('then SIGTERM stops it cleanly', async () => {
      const example = await startExample('sigterm.db');
      example.child.kill('SIGTERM');
      expect(await example.exited, example.output()).toEqual([0, null]);
    }, 120_000);
  });
});
