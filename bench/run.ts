/**
 * `npm run bench [-- --json] [-- --only throughput,latency,memory,scale]`
 *
 * How close a sign-in comes to the limit Google's round trips set. Starts the Google emulator and
 * the servers under test on loopback, each in its own process (on a 2-core machine the load
 * client and the emulator share the other core, the same way for every target), and measures:
 *   throughput  full sign-ins/s of the app next to the limit server, same load client, same run;
 *   latency     POST /gconnect p50/p90 with 40 ms added to every Google call (floor: 2 × 40 ms);
 *   memory      the app's RSS before and after many sign-ins;
 *   scale       user upsert and session lookup with 1 000 000 rows vs 1 000.
 * Progress goes to stderr; the table (or JSON) to stdout. Exits 1 if any request failed.
 */
import { PHASES, readBenchArgs, UsageError, USAGE, type BenchArgs } from './args.js';
import { CodePool } from './code-pool.js';
import { compareTargets } from './compare.js';
import type { BenchChild } from './ipc.js';
import { measureMemory } from './memory.js';
import { Progress } from './progress.js';
import { describeMachine, errorCount, formatTable, type Results } from './report.js';
import { measureScale } from './scale.js';
import { startApp, startEmulator, startLimit, type Target } from './targets.js';

const CONCURRENCY = 16;
const ACCOUNTS = 300;
const DELAY_MS = 40;

let args: BenchArgs;
try {
  args = readBenchArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`bench: ${err.message} (see npm run bench -- --help)\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const phases = args.phases;
const seconds = args.seconds;
const progress = new Progress();
const results: Results = { machine: describeMachine() };
const running: { stop(): Promise<void> }[] = [];

function codesFrom(emulator: BenchChild): CodePool {
  return new CodePool((n) => emulator.request<string[]>('codes', { n }));
}

async function started<T extends { stop(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const t = await p;
  running.push(t);
  return t;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((t) => t.stop()));
}

async function throughput(): Promise<void> {
  progress.update('throughput: starting the emulator, the app and the limit server');
  const emulator = await started(startEmulator(0, ACCOUNTS));
  const profile = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : undefined;
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const targets: Target[] = [
    await started(startApp('app', { ...options, nodeFlags: profile })),
    await started(startApp('app, LOG_LEVEL=warn', { ...options, logLevel: 'warn' })),
    await started(startLimit('limit', options)),
  ];
  const [app, quiet, limit] = await compareTargets({
    label: 'throughput',
    targets,
    emulator,
    codes: codesFrom(emulator),
    concurrency: CONCURRENCY,
    warmupMs: 2000,
    durationMs: seconds * 1000,
    rounds: 5,
    progress,
  });
  results.throughput = {
    app: app!,
    appQuietLog: quiet!,
    limit: limit!,
    ratio: app!.perSecond / limit!.perSecond,
  };
  await stopAll();
}

async function latency(): Promise<void> {
  progress.update(`latency: starting the emulator with ${DELAY_MS} ms per call`);
  const emulator = await started(startEmulator(DELAY_MS, ACCOUNTS));
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const targets = [
    await started(startApp('app', options)),
    await started(startLimit('limit', options)),
  ];
  const [app, limit] = await compareTargets({
    label: 'latency',
    targets,
    emulator,
    codes: codesFrom(emulator),
    concurrency: CONCURRENCY,
    warmupMs: 1000,
    durationMs: seconds * 1000,
    rounds: 4,
    progress,
  });
  // A sign-in waits for the code exchange, then for tokeninfo and userinfo side by side.
  results.latency = { app: app!, limit: limit!, delayMs: DELAY_MS, floorMs: 2 * DELAY_MS };
  await stopAll();
}

async function memory(): Promise<void> {
  progress.update('memory: starting the emulator and the app');
  const emulator = await started(startEmulator(0, ACCOUNTS));
  const app = await started(
    startApp('app', { emulatorUrl: emulator.url, logLevel: args.logLevel }),
  );
  results.memory = await measureMemory({
    target: app,
    codes: codesFrom(emulator),
    signIns: args.signIns,
    warmupSignIns: 10_000,
    concurrency: CONCURRENCY,
    progress,
  });
  await stopAll();
}

async function scale(): Promise<void> {
  results.scale = await measureScale(1000, args.rows, (text) => progress.update(`scale: ${text}`));
  progress.done('scale: done');
}

const steps = { throughput, latency, memory, scale };
try {
  for (const phase of PHASES) if (phases.has(phase)) await steps[phase]();
} finally {
  await stopAll();
}

process.stdout.write(
  args.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatTable(results)}\n`,
);
const errors = errorCount(results);
if (errors > 0) {
  process.stderr.write(
    `${errors} sign-ins failed, e.g.: ${JSON.stringify(
      [results.throughput?.app, results.throughput?.limit, results.latency?.app, results.memory]
        .flatMap((r) => r?.errorSamples ?? [])
        .slice(0, 3),
    )}\n`,
  );
  process.exitCode = 1;
}
