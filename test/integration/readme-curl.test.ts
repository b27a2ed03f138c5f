import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDev } from '../support/dev-server.js';

const run = promisify(execFile);

/** The README's curl block, so the README cannot drift from the code. */
function readmeRecipe(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- curl-recipe:start -->\s*```sh\n([\s\S]*?)```\s*<!-- curl-recipe:end -->/.exec(
    readme,
  );
  if (!block?.[1]) throw new Error('README has no curl recipe block');
  return block[1];
}

describe('the README curl recipe against `npm run dev`', () => {
  let dev: Awaited<ReturnType<typeof startDev>>;
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gconnect-curl-'));
    dev = await startDev(dataDir);
  }, 30_000);

  afterAll(() => {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when run as printed, then it signs in, reads /me and disconnects', async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', readmeRecipe()], {
      env: { ...process.env, APP: dev.app, EMU: dev.emu },
      timeout: 20_000,
    });
    const lines = stdout.trim().split('\n');
    const [me, disconnected] = lines.slice(-2);
    const greeting = lines.slice(0, -2).join('\n');
    expect(greeting).toContain('<h1>Welcome, Alice Example!</h1>');
    expect(JSON.parse(me!)).toMatchObject({
      email: 'alice@example.com',
      name: 'Alice Example',
      emailVerified: true,
    });
    expect(JSON.parse(disconnected!)).toBe('Successfully disconnected.');
  });

  it('when the emulator sends sessions-revoked, then the signed-in user is signed out', async () => {
    const jar = join(dataDir, 'risc-jar');
    const curl = (...args: string[]) => run('curl', ['-s', '-b', jar, '-c', jar, ...args]);
    const login = await curl('-H', 'Accept: application/json', `${dev.app}/login`);
    const { state } = JSON.parse(login.stdout) as { state: string };
    const issued = await run('curl', [
      '-s',
      '-d',
      'account=bob@example.org',
      '-d',
      'client_id=emulator-client.apps.googleusercontent.com',
      `${dev.emu}/emulator/codes`,
    ]);
    const { code } = JSON.parse(issued.stdout) as { code: string };
    await curl(
      '-H',
      'Content-Type: text/plain',
      '--data-binary',
      code,
      `${dev.app}/gconnect?state=${state}`,
    );
    expect(JSON.parse((await curl(`${dev.app}/me`)).stdout)).toMatchObject({
      email: 'bob@example.org',
    });

    const emitted = await run('curl', [
      '-s',
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"type": "sessions-revoked", "account": "bob@example.org"}',
      `${dev.emu}/emulator/risc/events`,
    ]);
    expect(JSON.parse(emitted.stdout)).toEqual({ statuses: [202] });
    expect(JSON.parse((await curl(`${dev.app}/me`)).stdout)).toEqual({ error: 'Not signed in.' });
  });

  it('prints where to go and which test accounts exist', () => {
    expect(dev.app).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.output()).toContain('alice@example.com');
  });

  it('when sent SIGTERM, then it closes the database and exits 0', async () => {
    // Its own process: stopping the shared one would break the other tests in any order.
    const own = await startDev(mkdtempSync(join(tmpdir(), 'gconnect-sigterm-')));
    const exited = new Promise<number | null>((resolve) =>
      own.child.once('exit', (code) => resolve(code)),
    );
    own.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(dev.output() + own.output()).not.toMatch(/ya29\.|"code":"/);
  });
});
