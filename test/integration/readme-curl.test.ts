import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`dev server exited: ${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}: ${output()}`);
}

describe('the README curl recipe against `npm run dev`', () => {
  let child: ChildProcess;
  let out = '';
  let app = '';
  let emu = '';
  let dataDir = '';

  beforeAll(async () => {
    const [appPort, emuPort] = [await freePort(), await freePort()];
    app = `http://127.0.0.1:${appPort}`;
    emu = `http://127.0.0.1:${emuPort}`;
    dataDir = mkdtempSync(join(tmpdir(), 'gconnect-curl-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/dev.ts'], {
      cwd: new URL('../..', import.meta.url),
      env: {
        ...process.env,
        PORT: String(appPort),
        EMULATOR_PORT: String(emuPort),
        DATABASE_URL: `file:${join(dataDir, 'app.db')}`,
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
        BASE_URL: '', // Vitest puts Vite's BASE_URL=/ in process.env; the app reads BASE_URL too
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(`${app}/healthz`, child, () => out);
  }, 30_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when run as printed, then it signs in, reads /me and disconnects', async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', readmeRecipe()], {
      env: { ...process.env, APP: app, EMU: emu },
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

  it('prints where to go and which test accounts exist', () => {
    expect(out).toContain(`${app}/login`);
    expect(out).toContain('alice@example.com');
  });

  it('when sent SIGTERM, then it closes the database and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const logged = out;
    expect(logged).not.toMatch(/ya29\.|"code":"/);
  });
});
