import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactLine } from '../../src/http/compact-log.js';
import { waitUntil } from '../support/wait-until.js';

/** `npm run dev` on ports the system picks, its output (stdout and stderr) kept as it comes. */
describe('`npm run dev` log', () => {
  let child: ChildProcess;
  let out = '';
  let app = '';
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gconnect-devlog-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/dev.ts'], {
      cwd: new URL('../..', import.meta.url),
      env: {
        ...process.env,
        PORT: '0',
        EMULATOR_PORT: '0',
        DATABASE_URL: `file:${join(dataDir, 'app.db')}`,
        BASE_URL: '', // Vitest puts Vite's BASE_URL=/ in process.env; the app reads BASE_URL too
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    app = await waitUntil('npm run dev to print its URLs', () => {
      if (child.exitCode !== null) throw new Error(`dev server exited: ${out}`);
      return /Sign in: +(http:\/\/[^/\s]+)\/login/.exec(out)?.[1];
    });
  }, 30_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a page is opened, then its access line is one readable line, and its stylesheet logs nothing at info', async () => {
    const before = out.length;
    const css = await fetch(`${app}/style.css`, { signal: AbortSignal.timeout(5000) });
    expect(css.status).toBe(200);
    await css.text();
    expect((await fetch(`${app}/login`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    const line = await waitUntil('the access line of /login', () =>
      out
        .slice(before)
        .split('\n')
        .find((l) => l.includes('/login')),
    );
    expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}GET \/login 200 \d+ ms$/);
    expect(out.slice(before)).not.toContain('style.css');
  });

  it('when it starts, then the banner says which page refreshes Google access tokens', () => {
    expect(out).toContain('/account/google refreshes them');
    expect(out).not.toContain('/account refreshes');
  });
});

describe('compactLine', () => {
  it('when a line has nested fields, then they read as dotted key=value pairs, no braces', () => {
    const line = compactLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 0, 1),
        pid: 1,
        hostname: 'h',
        msg: 'database close failed',
        err: { message: 'disk full' },
        pending: 2,
      }),
    );
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}database close failed err\.message="disk full" pending=2$/,
    );
  });

  it('when a line is not JSON, then it is passed on as it is', () => {
    expect(compactLine('plain text\n')).toBe('plain text');
  });
});
