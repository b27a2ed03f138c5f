/**
 * Starting the processes the benchmark measures: the emulator, the app (as `npm start` runs it)
 * and the limit server. Each gets a fresh temporary data folder; an app on PostgreSQL may run
 * as several instances on one database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_CLIENT } from './accounts.js';
import { BenchChild } from './ipc.js';
import type { BenchPostgres, CpuSnapshot } from './postgres.js';

export interface TargetOptions {
  emulatorUrl: string;
  logLevel?: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Another checkout whose app to start instead of this one's (an A/B baseline). */
  checkout?: string;
  /** The app's DATABASE_URL (a PostgreSQL database); default: SQLite in the data folder. */
  databaseUrl?: string;
}

/** One server process of a target and where it listens. */
export interface Instance {
  child: BenchChild;
  url: string;
}

export interface Target {
  name: string;
  /** The first instance: the only one, except for a multi-instance app. */
  child: BenchChild;
  url: string;
  /** Every instance; the load client spreads requests over them, their CPU times add up. */
  instances: Instance[];
  /** How the load client signs in: the popup's POST /gconnect (default) or the redirect flow. */
  flow?: 'popup' | 'redirect';
  /** CPU time (µs) of the target's database server so far, where it can be read. */
  databaseCpu?: (() => CpuSnapshot) | undefined;
  stop(): Promise<void>;
}

/** Where a target's instances listen (the load client spreads requests over them). */
export function urlsOf(target: Target): string[] {
  return target.instances.map((instance) => instance.url);
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
  return startAppInstances(name, 1, options);
}

/**
 * `count` processes of the app on one database (options.databaseUrl, PostgreSQL): the same
 * session secret and token keys, so any instance can serve any request of a browser.
 */
export async function startAppInstances(
  name: string,
  count: number,
  options: TargetOptions,
): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-bench-'));
  const module = options.checkout
    ? resolve(options.checkout, 'bench/app-process.ts')
    : './app-process.ts';
  const env = {
    ...googleEnv(options.emulatorUrl),
    NODE_ENV: 'development', // production refuses the emulator
    PORT: '0',
    DATABASE_URL: options.databaseUrl ?? `file:${join(dir, 'app.db')}`,
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123',
    LOG_LEVEL: options.logLevel ?? 'info',
    // All load comes from 127.0.0.1: a per-client limit would refuse it. Set high rather than
    // off, so the limiter's own cost stays in the measurement.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    // Without a data folder (PostgreSQL) the development keys would go to ./data; instances
    // must share them anyway.
    ...(options.databaseUrl && {
      TOKEN_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    }),
  };
  const instances: Instance[] = [];
  const stop = async () => {
    await Promise.all(instances.map((i) => i.child.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One after the other: the first migrates the new database.
    for (let n = 0; n < count; n++) {
      const child = await BenchChild.start(module, {
        env,
        // The access log goes to a file, as it would to a collector in production.
        stdoutFile: join(dir, `app-${n}.log`),
        nodeFlags: options.nodeFlags,
      });
      instances.push({ child, url: child.url });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const [first] = instances as [Instance];
  return { name, child: first.child, url: first.url, instances, stop };
}

/**
 * The app on a new database of `postgres`, `count` instances; stopping it drops the database.
 * Its database CPU is the whole server's: the targets run one at a time, so in a target's round
 * the others' connections sit idle.
 */
export async function startPostgresApp(
  name: string,
  count: number,
  options: TargetOptions,
  postgres: BenchPostgres,
): Promise<Target> {
  const db = await postgres.createDatabase('gconnect_bench');
  let app: Target;
  try {
    app = await startAppInstances(name, count, { ...options, databaseUrl: db.url });
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    ...app,
    databaseCpu: postgres.cpuSnapshot,
    async stop() {
      await app.stop();
      await db.drop();
    },
  };
}

export async function startLimit(name: string, options: TargetOptions): Promise<Target> {
  const child = await BenchChild.start('./limit-server.ts', {
    env: googleEnv(options.emulatorUrl),
    nodeFlags: options.nodeFlags,
  });
  return {
    name,
    child,
    url: child.url,
    instances: [{ child, url: child.url }],
    stop: () => child.stop(),
  };
}

/** The conventional peers (issue 23), each a small script in bench/. */
export const PEERS = {
  /** Plain Express 5 + express-session on an npm SQLite store; the popup sign-in. */
  session: { module: './session-peer.ts', name: 'peer: express-session + SQLite store' },
  /** passport-google-oauth20 on the same; the redirect flow. */
  passport: { module: './passport-peer.ts', name: 'peer: Passport (redirect flow)' },
} as const;

/** A conventional peer in its own process, on a SQLite file in a fresh data folder. */
export async function startPeer(peer: keyof typeof PEERS, options: TargetOptions): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-bench-peer-'));
  let child: BenchChild;
  try {
    child = await BenchChild.start(PEERS[peer].module, {
      env: { ...googleEnv(options.emulatorUrl), PEER_DATA_DIR: dir },
      nodeFlags: options.nodeFlags,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    name: PEERS[peer].name,
    child,
    url: child.url,
    instances: [{ child, url: child.url }],
    ...(peer === 'passport' && { flow: 'redirect' as const }),
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
