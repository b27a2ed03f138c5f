/**
 * docs/production.md's commands, run as written where this machine can. There is no Docker
 * engine here, so the Docker block runs in bash with a `docker` function that records its
 * arguments (the key generation lines run for real), and the recorded `docker run` is then
 * started as the image would start it: the Dockerfile's ENV, the run's `-e` flags, and the entry
 * point `npm start` runs (package.json), with nothing else from this process's environment.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/from-env.js';
import { NODE_ENVS } from '../../src/config/settings.js';
import { BUILD_TIMEOUT_MS, buildDist, ROOT } from '../support/dist.js';
import { waitUntil } from '../support/wait-until.js';

const run = promisify(execFile);
const DOC = readFileSync(join(ROOT, 'docs/production.md'), 'utf8');

/** The fenced blocks of a language, their text. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n\\s*```', 'g'))].map(
    (m) => m[1]!.replace(/^ {2}/gm, ''),
  );
}
function blockWith(lang: string, needle: string): string {
  const found = blocks(lang).find((b) => b.includes(needle));
  if (found === undefined) throw new Error(`docs/production.md has no ${lang} block with ${needle}`);
  return found;
}

/** The command `npm start` runs, from package.json (the entry point may move). */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = pkg.scripts.start!.replace(/^exec\s+/, '').split(/\s+/);
  expect(words[0]).toBe('node');
  return words.slice(1);
}

/** The Dockerfile's runtime ENV (its last stage). */
function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, line] of lastStage.matchAll(/^ENV (.+)$/gm))
    for (const [, k, v] of line!.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  return env;
}

/** bash with a `docker` that appends its arguments (NUL-separated, `-e NAME` resolved) to a file. */
async function runWithRecordingDocker(script: string, env: Record<string, string>, log: string) {
  const shim = `docker() {
  local a out=()
  while [ $# -gt 0 ]; do
    a=$1; shift
    if [ "$a" = -e ] && [[ $1 != *=* ]]; then out+=(-e "$1=\${!1}"); shift; else out+=("$a"); fi
  done
  printf '%s\\0' "\${out[@]}" >> "${log}"; printf '\\n' >> "${log}"
}
set -euo pipefail
`;
  await run('bash', ['-c', shim + script], { cwd: ROOT, env: { PATH: process.env.PATH!, ...env } });
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\0').filter(Boolean));
}

describe('docs/production.md', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gconnect-production-doc-'));
    await buildDist();
  }, BUILD_TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const keyLines = blocks('sh')
    .filter((block) => !block.includes('docker'))
    .flatMap((block) => block.split('\n'))
    .filter((line) => /randomBytes|openssl rand/.test(line));

  it('when the doc shows how to generate secrets, then it shows both kinds', () => {
    expect(keyLines.some((l) => l.includes('k1:'))).toBe(true);
    expect(keyLines.some((l) => !l.includes('k1:'))).toBe(true);
  });

  it.each(keyLines)(
    'when `%s` is run, then it prints a value the production configuration accepts',
    async (line) => {
      {
        const { stdout } = await run('bash', ['-c', line], { cwd: ROOT });
        const value = stdout.trim();
        const env = {
          NODE_ENV: 'production',
          BASE_URL: 'https://app.example.com',
          GOOGLE_CLIENT_ID: '1234-doc.apps.googleusercontent.com',
          GOOGLE_CLIENT_SECRET: 'doc-secret',
          SESSION_SECRET: 'x'.repeat(40),
          TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
        };
        const name = value.startsWith('k1:') ? 'TOKEN_ENCRYPTION_KEYS' : 'SESSION_SECRET';
        expect(() => loadConfig({ ...env, [name]: value }), `${line} -> ${name}`).not.toThrow();
      }
    },
  );

  it('when the docker run example is run with its environment, then the server starts in production, answers /healthz and /readyz, and stops on SIGTERM', async () => {
    const script = blockWith('sh', 'docker run');
    const calls = await runWithRecordingDocker(
      script,
      {
        GOOGLE_CLIENT_ID: '1234-doc.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'doc-client-secret',
      },
      join(dir, 'docker-calls'),
    );
    const build = calls.find((c) => c[0] === 'build')!;
    const runArgs = calls.find((c) => c[0] === 'run')!;
    expect(build, 'a docker build').toBeDefined();
    expect(runArgs, 'a docker run').toBeDefined();
    const image = build[build.indexOf('-t') + 1];
    expect(runArgs.at(-1), 'docker run starts the image docker build tagged').toBe(image);

    const runEnv: Record<string, string> = {};
    const published: string[] = [];
    for (let i = 1; i < runArgs.length - 1; i++) {
      if (runArgs[i] === '-e') {
        const [k, ...v] = runArgs[++i]!.split('=');
        runEnv[k!] = v.join('=');
      } else if (runArgs[i] === '-p') published.push(runArgs[++i]!);
    }
    const fromImage = imageEnv();
    // The app port is published to the host's loopback only, for the TLS proxy there.
    expect(published).toEqual([`127.0.0.1:${fromImage.PORT}:${fromImage.PORT}`]);
    const env = { ...fromImage, ...runEnv };
    expect(NODE_ENVS).toContain(env.NODE_ENV);
    expect(env.NODE_ENV).toBe('production');
    for (const required of ['SESSION_SECRET', 'TOKEN_ENCRYPTION_KEYS', 'BASE_URL', 'TRUST_PROXY'])
      expect(env[required], required).toMatch(/./);

    // The image's /app/data is the volume; here a folder of the test's own, on a free port.
    mkdirSync(join(dir, 'data'), { mode: 0o700 });
    const child = spawn(process.execPath, startCommand(), {
      cwd: ROOT,
      env: {
        ...env,
        DATABASE_URL: env.DATABASE_URL!.replace('/app/data', join(dir, 'data')),
        HOST: '127.0.0.1',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = once(child, 'exit');
    try {
      const url = await waitUntil(
        'the server to listen',
        () => {
          if (child.exitCode !== null) throw new Error(`the server exited: ${out}`);
          return /listening on (http:\/\/[^"\s]+)/.exec(out)?.[1];
        },
        { timeoutMs: 60_000 },
      );
      await supertest(url).get('/healthz').expect(200, { status: 'ok' });
      await supertest(url).get('/readyz').expect(200);
      expect(out).toMatch(/production/);
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code, out).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // The SQLite backup commands, in a folder laid out like the install (data/, node_modules).
    const backup = blockWith('sh', '.backup');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    await run('bash', ['-euo', 'pipefail', '-c', backup], { cwd: dir });
    expect(existsSync(join(dir, 'backup/app.db'))).toBe(true);
  }, 120_000);

  it('when the systemd unit starts the server, then it runs the entry point npm start runs', () => {
    const unit = blockWith('ini', 'ExecStart');
    const exec = /^ExecStart=\S*node (.+)$/m.exec(unit)?.[1];
    expect(exec?.split(/\s+/)).toEqual(startCommand());
  });
});
