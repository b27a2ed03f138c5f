import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactLine } from '../../src/server/compact-log.js';
import { startDev } from '../support/dev-server.js';
import { waitUntil } from '../support/wait-until.js';

/** `npm run dev` on ports the system picks, its output (stdout and stderr) kept as it comes. */
describe('`npm run dev` log', () => {
  let child: ChildProcess;
  let output = () => '';
  let app = '';
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gconnect-devlog-'));
    const dev = await startDev(dataDir);
    child = dev.child;
    app = dev.app;
    output = dev.output;
  }, 30_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a page is opened, then its access line is one readable line, and its stylesheet logs nothing at info', async () => {
    const before = output().length;
    const css = await fetch(`${app}/style.css`, { signal: AbortSignal.timeout(5000) });
    expect(css.status).toBe(200);
    await css.text();
    expect((await fetch(`${app}/login`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    const line = await waitUntil('the access line of /login', () =>
      output()
        .slice(before)
        .split('\n')
        .find((l) => l.includes('/login')),
    );
    expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}GET \/login 200 \d+ ms$/);
    expect(output().slice(before)).not.toContain('style.css');
  });

  it('when it starts, then the banner says which page refreshes Google access tokens', () => {
    expect(output()).toContain('/account/google refreshes them');
    expect(output()).not.toContain('/account refreshes');
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
