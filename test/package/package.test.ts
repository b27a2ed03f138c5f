/**
 * The package as it ships: `npm run build` compiles src/ to dist/, the tarball holds what runs
 * (dist, views, public) and nothing of the source or tests, the exports map's entries import, and
 * the compiled server runs on its own (no TypeScript loader) with its pages and static files.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { packageRoot } from '../../src/core/package-root.js';
import { CLIENT } from '../support/client.js';
import { BUILD_TIMEOUT_MS, buildDist, ROOT } from '../support/dist.js';
import { startEmulator } from '../support/emulator.js';
import { startListening } from '../support/server-process.js';

const run = promisify(execFile);

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  private?: boolean;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

beforeAll(buildDist, BUILD_TIMEOUT_MS);

describe('npm pack', () => {
  let files: string[];
  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
    });
    const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    files = report.files.map((f) => f.path);
  }, 60_000);

  it('when packed, then the tarball holds the compiled code, its types, the views and the static files', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/bin/server.js',
        'dist/emulator/index.js',
        'views/login.ejs',
        'public/login.js',
      ]),
    );
  });

  it('when packed, then every file package.json points at is in the tarball', () => {
    const targets = [
      pkg.main,
      pkg.types,
      ...Object.values(pkg.exports).flatMap((t) =>
        typeof t === 'string' ? [t] : Object.values(t),
      ),
    ];
    expect(targets.length).toBeGreaterThan(4);
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''));
    expect(pkg.private).toBeUndefined();
  });

  it('when npm start and the production commands run, then they run compiled files the tarball holds, with no TypeScript loader', () => {
    for (const name of ['start', 'rotate-token-keys', 'risc:register']) {
      const script = pkg.scripts[name] ?? '';
      expect(script, name).toMatch(/^(exec )?node dist\/\S+\.js$/);
      expect(files).toContain(script.replace(/^(exec )?node /, ''));
    }
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  });

  it('when packed, then no source, test or repository file is in it', () => {
    const allowed = /^(dist\/|views\/|public\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('the exports map', () => {
  it('when a consumer imports the package and ./emulator by name, then Node finds the compiled modules', async () => {
    // Node's own resolution (a package may import itself by name through its exports map).
    const script = `
      const main = await import('gconnect-express');
      const emulator = await import('gconnect-express/emulator');
      console.log(JSON.stringify({
        createGconnect: typeof main.createGconnect,
        startEmulator: typeof emulator.startEmulator,
        from: import.meta.resolve('gconnect-express'),
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
    });
    expect(JSON.parse(stdout)).toEqual({
      createGconnect: 'function',
      startEmulator: 'function',
      from: expect.stringMatching(/\/dist\/index\.js$/) as unknown,
    });
  });
});

describe('node dist/bin/server.js', () => {
  let emulator: Emulator;
  let dir: string;
  beforeAll(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gconnect-dist-'));
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the compiled server runs against the emulator, then it serves its pages and static files and SIGTERM exits 0', async () => {
    const server = await startListening(process.execPath, ['dist/bin/server.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        DATABASE_URL: `file:${join(dir, 'app.db')}`,
        GOOGLE_EMULATOR_URL: emulator.url,
        GOOGLE_CLIENT_ID: CLIENT.clientId,
        GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
        SESSION_SECRET: 'compiled-server-test-secret-0123456789',
      },
    });
    try {
      const url = server.url;
      // views/ and public/ found from dist/, beside it.
      const login = await supertest(url).get('/login').expect(200);
      expect(login.text).toContain('Sign in');
      await supertest(url).get('/login.js').expect(200);
      await supertest(url).get('/readyz').expect(200);
      server.child.kill('SIGTERM');
      expect(await server.exited, server.output()).toEqual([0, null]);
    } finally {
      server.kill();
    }
  }, 90_000);
});

describe('packageRoot', () => {
  it('when asked from a module at any depth under the package, then it names the folder of package.json', () => {
    expect(packageRoot(join(ROOT, 'dist', 'index.js'))).toBe(ROOT.replace(/\/$/, ''));
    expect(packageRoot(join(ROOT, 'dist', 'a', 'b', 'c', 'd.js'))).toBe(ROOT.replace(/\/$/, ''));
    expect(packageRoot()).toBe(ROOT.replace(/\/$/, ''));
  });
});
