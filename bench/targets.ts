/**
 * Starting the processes the benchmark measures: the emulator, the app (as `npm start` runs it)
 * and the limit server. Each gets a fresh temporary data folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_CLIENT } from './accounts.js';
import { BenchChild } from './ipc.js';

export interface TargetOptions {
  emulatorUrl: string;
  logLevel?: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Another checkout whose app to start instead of this one's (an A/B baseline). */
  checkout?: string;
}

export interface Target {
  name: string;
  child: BenchChild;
  url: string;
  stop(): Promise<void>;
}

export async function startEmulator(delayMs: number, accounts: number): Promise<BenchChild> {
  return BenchChild.start('./emulator-process.ts', {
    env: { BENCH_DELAY_MS: String(delayMs), BENCH_ACCOUNTS: String(accounts) },
  });
}

function googleEnv(emulatorUrl: string): Record<string, string> {
  return {
    GOOGLE_EMULATOR_URL: emulatorUrl,
    GOOGLE_CLIENT_ID: BENCH_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: BENCH_CLIENT.clientSecret,
  };
}

/** The app with its defaults, except what a loopback benchmark must change. */
export async function startApp(name: string, options: TargetOptions): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-bench-'));
  const module = options.checkout
    ? resolve(options.checkout, 'bench/app-process.ts')
    : './app-process.ts';
  const child = await BenchChild.start(module, {
    env: {
      ...googleEnv(options.emulatorUrl),
      NODE_ENV: 'development', // production refuses the emulator
      PORT: '0',
      DATABASE_URL: `file:${join(dir, 'app.db')}`,
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123',
      LOG_LEVEL: options.logLevel ?? 'info',
      // All load comes from 127.0.0.1: a per-client limit would refuse it. Set high rather than
      // off, so the limiter's own cost stays in the measurement.
      RATE_LIMIT_PER_MINUTE: '1000000000',
    },
    // The access log goes to a file, as it would to a collector in production.
    stdoutFile: join(dir, 'app.log'),
    nodeFlags: options.nodeFlags,
  });
  return {
    name,
    child,
    url: child.url,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startLimit(name: string, options: TargetOptions): Promise<Target> {
  const child = await BenchChild.start('./limit-server.ts', {
    env: googleEnv(options.emulatorUrl),
    nodeFlags: options.nodeFlags,
  });
  return { name, child, url: child.url, stop: () => child.stop() };
}
