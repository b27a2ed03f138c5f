// Each misconfiguration an operator can make at start, and the message that names its fix.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, optionsFromEnv, type EnvironmentSettings } from '../../src/config/from-env.js';
import { ConfigError } from '../../src/config/resolve.js';
import { startServer } from '../../src/server/start.js';
import { capturingLogger } from '../support/logs.js';

const ROOT = new URL('../../', import.meta.url);
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-startup-'));
  dirs.push(dir);
  return dir;
}

/** What production requires besides the settings under test: the session and token keys. */
const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(32),
  TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

/** A config as `npm start` would load it: real Google (nothing is called at start), port 0. */
function configWith(env: Record<string, string>): EnvironmentSettings {
  return optionsFromEnv({
    PORT: '0',
    DATABASE_URL: `file:${join(tempDir(), 'app.db')}`,
    GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'test-secret-value',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Starts the server with `config`, returns what it logged at start, and stops it. */
async function startupLog(config: EnvironmentSettings): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const logger = capturingLogger('info', (line) => lines.push(JSON.parse(line) as LogLine));
  const running = await startServer(config, { logger });
  await running.close(100);
  return lines;
}

const warningsOf = (lines: LogLine[]) => lines.filter((l) => l.level === 40).map((l) => l.msg);

function problemsOf(env: Record<string, string>, files: Record<string, string> = {}): string[] {
  try {
    loadConfig(
      { GOOGLE_CLIENT_ID: 'a.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'b', ...env },
      {
        readFile: (path) => {
          const text = files[path];
          if (text === undefined) throw new Error('ENOENT');
          return text;
        },
      },
    );
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

/** A port something else already listens on. */
async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry point like its npm script. With `until`, waits for that text on
 * stdout and then stops the process (servers run until stopped).
 */
function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  until?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      // Vitest puts Vite's BASE_URL=/ in process.env; the app reads BASE_URL too.
      env: { ...process.env, NODE_ENV: 'development', BASE_URL: '', ...env },
    });
    const run: Run = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => {
      run.stdout += d.toString();
      if (until !== undefined && run.stdout.includes(until)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      run.code = code;
      resolve(run);
    });
  });
}

describe('at start, the server says what it runs as', () => {
  it('when it starts, then one line gives the mode, the Google target, the database and the cookies', async () => {
    const config = configWith({});
    const start = (await startupLog(config)).find((l) => l.msg === 'starting');
    expect(start).toMatchObject({
      mode: 'development',
      google: 'real Google (https://accounts.google.com)',
      database: {
        engine: 'sqlite',
        location: (config.options.database as string).slice('file:'.length),
      },
      cookies: { name: 'sid', secure: false },
    });
  });

  it('when NODE_ENV is test, then the report says test (not development), the cookies those of outside production', async () => {
    const start = (await startupLog(configWith({ NODE_ENV: 'test' }))).find(
      (l) => l.msg === 'starting',
    );
    expect(start).toMatchObject({ mode: 'test', cookies: { name: 'sid', secure: false } });
  });

  it('when an emulator is configured, then the target is the emulator URL', async () => {
    const config = configWith({ GOOGLE_EMULATOR_URL: 'http://127.0.0.1:4999' });
    const start = (await startupLog(config)).find((l) => l.msg === 'starting');
    expect(start?.google).toBe('emulator at http://127.0.0.1:4999');
  });

  it('when production is set up behind a proxy with BASE_URL and a real client ID, then there is no warning', async () => {
    const lines = await startupLog(
      configWith({
        ...PRODUCTION,
        TRUST_PROXY: '1',
        BASE_URL: 'https://app.example.com',
      }),
    );
    expect(warningsOf(lines)).toEqual([]);
    expect(lines.find((l) => l.msg === 'starting')).toMatchObject({
      mode: 'production',
      cookies: { name: '__Host-sid', secure: true },
    });
  });
});

describe('at start, the server warns about settings that will not work', () => {
  it('when production has no TRUST_PROXY, then it warns that cookies will never be set, and how to fix it', async () => {
    const warnings = warningsOf(
      await startupLog(
        configWith({
          ...PRODUCTION,
          BASE_URL: 'https://app.example.com',
        }),
      ),
    );
    expect(warnings).toEqual([expect.stringContaining('Production without TRUST_PROXY')]);
    expect(warnings[0]).toContain('TRUST_PROXY=1');
    expect(warnings[0]).toContain('X-Forwarded-Proto: https');
  });

  it('when the client ID does not look like a Google one, then it warns', async () => {
    const warnings = warningsOf(
      await startupLog(configWith({ GOOGLE_CLIENT_ID: 'my-client-secret-by-mistake' })),
    );
    expect(warnings).toEqual([
      expect.stringContaining('"my-client-secret-by-mistake" does not look like one'),
    ]);
  });
});

describe('at start, the server refuses settings that cannot work, naming the fix', () => {
  it("when client_secrets.json still holds the example's placeholders, then it refuses to start", () => {
    const example = readFileSync(new URL('client_secrets.example.json', ROOT), 'utf8');
    const problems = problemsOf(
      { GOOGLE_CLIENT_ID: '', GOOGLE_CLIENT_SECRET: '' },
      { './client_secrets.json': example },
    );
    expect(problems).toEqual([
      expect.stringContaining('still the placeholder of client_secrets.example.json'),
    ]);
    expect(problems[0]).toContain('npm run dev');
  });

  it.each(['yes', '10.0.0.0/33', 'loopback,proxy.example'])(
    'when TRUST_PROXY is %s, then it is refused with the values it takes',
    (value) => {
      const [problem, ...rest] = problemsOf({ TRUST_PROXY: value });
      expect(rest).toEqual([]);
      expect(problem).toMatch(/^TRUST_PROXY: .* not understood\. Use the number of proxies/);
    },
  );

  it.each(['1', 'true', 'loopback', 'uniquelocal, 10.0.0.0/8', '::1/128,127.0.0.1'])(
    'when TRUST_PROXY is %s, then it is accepted',
    (value) => {
      expect(problemsOf({ TRUST_PROXY: value })).toEqual([]);
    },
  );

  it('when PORT is taken, then startup names PORT and the fix, and releases the database', async () => {
    const port = await busyPort();
    const config = configWith({ PORT: String(port) });
    await expect(startServer(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(
      `PORT: 127.0.0.1:${port} is already in use by another process. Stop that process, or set PORT to a free port`,
    );
    // The database was closed: it can be removed and opened again at once.
    const again = await startServer(
      { ...config, server: { ...config.server, port: 0 } },
      { logger: pino({ level: 'silent' }) },
    );
    await again.close(100);
  });

  it('when the data folder cannot be created, then startup names the folder and DATABASE_URL', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'not a folder');
    const config = configWith({ DATABASE_URL: `file:${join(dir, 'file', 'data', 'app.db')}` });
    await expect(startServer(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(
      `DATABASE_URL: cannot create the data folder "${join(dir, 'file', 'data')}" (ENOTDIR). Make it writable`,
    );
  });

  it('when the database cannot be opened, then startup names the file and DATABASE_URL', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'app.db')); // a folder where the database file should be
    const config = configWith({ DATABASE_URL: `file:${join(dir, 'app.db')}` });
    await expect(startServer(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(
      new RegExp(`^DATABASE_URL: cannot open the database "${join(dir, 'app.db')}" \\(SQLITE_`),
    );
  });

  it.each([
    [
      'NODE_ENV is a typo of production',
      { NODE_ENV: 'Production' },
      'NODE_ENV must be unset, development, test or production (exactly, lower case), got "Production".',
    ],
    [
      'production has no BASE_URL',
      { ...PRODUCTION, TRUST_PROXY: '1' },
      'BASE_URL is required when NODE_ENV=production',
    ],
  ])(
    'when %s, then `npm start` exits 1 naming the variable, before listening',
    async (_, env, problem) => {
      const run = await runScript('src/bin/server.ts', [], {
        PORT: '0',
        DATABASE_URL: `file:${join(tempDir(), 'app.db')}`,
        GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'test-secret-value',
        ...env,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Configuration is invalid:');
      expect(run.stderr).toContain(problem);
      expect(run.stdout).not.toContain('listening');
    },
  );

  it('when `npm run dev` finds EMULATOR_PORT taken, then one line names EMULATOR_PORT, no stack', async () => {
    const port = await busyPort();
    const run = await runScript('src/bin/dev.ts', [], {
      EMULATOR_PORT: String(port),
      PORT: '0',
      DATABASE_URL: `file:${join(tempDir(), 'app.db')}`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `EMULATOR_PORT: 127.0.0.1:${port} is already in use by another process. Stop that process, or set EMULATOR_PORT to a free port (e.g. EMULATOR_PORT=${port + 1}).`,
    );
  });
});

describe('command-line helpers', () => {
  it('when `npm run emulator` finds EMULATOR_PORT taken, then one line names EMULATOR_PORT, no stack', async () => {
    const port = await busyPort();
    const run = await runScript('emulator/server/main.ts', [], { EMULATOR_PORT: String(port) });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `EMULATOR_PORT: 127.0.0.1:${port} is already in use by another process. Stop that process, or set EMULATOR_PORT to a free port (e.g. EMULATOR_PORT=${port + 1}).`,
    );
  });

  it('when `npm run emulator` starts, then it prints the client ID and the secret the app must use', async () => {
    const run = await runScript(
      'emulator/server/main.ts',
      [],
      {
        EMULATOR_PORT: '0',
        GOOGLE_CLIENT_ID: 'x.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'emu-secret-42',
      },
      'test accounts',
    );
    expect(run.stdout).toContain('client_id: x.apps.googleusercontent.com');
    expect(run.stdout).toContain('client_secret: emu-secret-42');
  });

  it('when `npm run bench -- --help`, then it prints the usage and exits 0 without starting anything', async () => {
    const run = await runScript('bench/run.ts', ['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run bench/);
    expect(run.stdout).toContain('--only LIST');
  });

  it.each([
    [['--bogus'], "bench: Unknown option '--bogus' (see npm run bench -- --help)"],
    [
      ['--only', 'nope'],
      'bench: --only: unknown phase "nope" (throughput, redirect, me, latency, memory, scale) (see npm run bench -- --help)',
    ],
    [
      ['--seconds', 'x'],
      'bench: --seconds must be a positive number, got "x" (see npm run bench -- --help)',
    ],
  ])('when `npm run bench -- %s`, then one line says what is wrong, exit 2', async (args, line) => {
    const run = await runScript('bench/run.ts', args, {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`${line}\n`);
  });
});
