/**
 * `npm run bench [-- --json] [-- --only throughput,me,latency,memory,scale]`
 *
 * How close a sign-in comes to the limit Google's round trips set. Starts the Google emulator and
 * the servers under test on loopback, each in its own process (on a 2-core machine the load
 * client and the emulator share the other core, the same way for every target), and measures:
 *   throughput  full sign-ins/s of the app next to the limit server and a conventional peer
 *               (express-session + an npm SQLite store), same load client, same run;
 *   redirect    redirect-flow sign-ins/s of the app next to Passport's (passport-google-oauth20);
 *   me          signed-in GET /me and GET / per second, next to the limit server answering them
 *               from memory and both conventional peers reading the user from SQLite;
 *   latency     POST /gconnect p50/p90 with 40 ms added to every Google call (floor: 2 × 40 ms);
 *   memory      the app's RSS before and after many sign-ins;
 *   scale       user upsert and session lookup with 1 000 000 rows vs 1 000.
 * throughput, me and scale also run on PostgreSQL (one and two app instances on one database),
 * latency and memory on one instance, on a throwaway cluster the bench starts and removes,
 * unless --engines sqlite.
 * Progress goes to stderr; the table (or JSON) to stdout. Exits 1 if any request failed.
 */
import { PHASES, readBenchArgs, UsageError, USAGE, type BenchArgs } from './args.js';
import { CodePool } from './code-pool.js';
import { compareTargets, type TargetStats } from './compare.js';
import type { BenchChild } from './ipc.js';
import { measureMemory } from './memory.js';
import { comparePageViews, type PageStats } from './page-views.js';
import { Progress } from './progress.js';
import {
  describeMachine,
  errorCount,
  formatTable,
  type PageComparison,
  type PostgresStats,
  type Results,
} from './report.js';
import { openBenchPostgres, type BenchPostgres } from './postgres.js';
import { measureScale, openSqliteFilled } from './scale.js';
import { postgresFilled } from './scale-postgres.js';
import {
  startApp,
  startEmulator,
  startLimit,
  startPeer,
  startPostgresApp,
  type Target,
  type TargetOptions,
} from './targets.js';

const CONCURRENCY = 16;
const ACCOUNTS = 300;
const DELAY_MS = 40;

let args: BenchArgs;
try {
  args = readBenchArgs(process.argv.slice(2), process.env);
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
/** Opened by the first phase that needs it; null when skipped (no binaries). */
let postgres: BenchPostgres | null | undefined;

// Ctrl-C or a kill: exit through process.exit, so the 'exit' handler removes the PostgreSQL
// cluster (the children follow their parent's IPC channel closing).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`);
    process.exit(code);
  });
}

/** The PostgreSQL server for the PostgreSQL targets, or undefined (--engines sqlite, skipped). */
function usePostgres(): BenchPostgres | undefined {
  if (!args.engines.has('postgres')) return undefined;
  if (postgres === undefined) {
    progress.update('starting PostgreSQL');
    const opened = openBenchPostgres(args.databaseUrl);
    if ('skipped' in opened) {
      progress.done(`PostgreSQL parts skipped: ${opened.skipped}`);
      results.postgres = { skipped: opened.skipped };
      postgres = null;
    } else {
      postgres = opened.postgres;
      progress.done(`PostgreSQL: ${postgres.description}`);
      results.postgres = { server: postgres.description };
    }
  }
  return postgres ?? undefined;
}

/** The app on PostgreSQL, one and two instances (each target a database of its own). */
async function postgresTargets(options: TargetOptions, counts = [1, 2]): Promise<Target[]> {
  const server = usePostgres();
  if (!server) return [];
  const targets: Target[] = [];
  for (const count of counts) {
    const name = `app (PostgreSQL, ${count} instance${count === 1 ? '' : 's'})`;
    targets.push(await started(startPostgresApp(name, count, options, server)));
  }
  return targets;
}

/** The PostgreSQL targets' stats: the last `count` of a phase's (none or both). */
function postgresStats<T>(stats: T[], count: number): PostgresStats<T> | undefined {
  if (count === 0) return undefined;
  const [oneInstance, twoInstances] = stats.slice(stats.length - count) as [T, T];
  return { oneInstance, twoInstances };
}

function codesFrom(emulator: BenchChild): CodePool {
  return new CodePool((n) => emulator.request<string[]>('codes', { n }));
}

/** The redirect flow's code for an authorization URL, issued by the emulator per sign-in. */
function redirectCodesFrom(emulator: BenchChild): (url: string) => Promise<string> {
  return (url) => emulator.request<string>('redirectCode', { url });
}

/** A target that signs in by the redirect flow (the app serves both flows). */
function byRedirect(target: Target): Target {
  return { ...target, flow: 'redirect' };
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
  progress.update('throughput: starting the emulator, the apps and the limit server');
  const emulator = await started(startEmulator(0, ACCOUNTS));
  const profile = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : undefined;
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const baseline = await baselineTargets(options);
  const onPostgres = await postgresTargets(options);
  const targets: Target[] = [
    await started(startApp('app (SQLite)', { ...options, nodeFlags: profile })),
    await started(startApp('app (SQLite), LOG_LEVEL=warn', { ...options, logLevel: 'warn' })),
    await started(startLimit('limit', options)),
    await started(startPeer('session', options)),
    ...baseline,
    ...onPostgres,
  ];
  const stats = await compareTargets({
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
  const [app, quiet, limit, sessionPeer] = stats as [
    TargetStats,
    TargetStats,
    TargetStats,
    TargetStats,
  ];
  results.throughput = {
    app,
    appQuietLog: quiet,
    limit,
    ratio: app.perSecond / limit.perSecond,
    sessionPeer,
    baseline: baseline.length > 0 ? stats[4] : undefined,
    postgres: postgresStats(stats, onPostgres.length),
  };
  await stopAll();
}

/** Redirect-flow sign-ins: the app (both engines) next to Passport's, same rounds. */
async function redirect(): Promise<void> {
  progress.update('redirect: starting the emulator, the apps and the Passport peer');
  const emulator = await started(startEmulator(0, ACCOUNTS));
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const baseline = await baselineTargets(options);
  const onPostgres = await postgresTargets(options, [1]);
  const targets: Target[] = [
    byRedirect(await started(startApp('app (SQLite)', options))),
    await started(startPeer('passport', options)),
    ...baseline.map(byRedirect),
    ...onPostgres.map(byRedirect),
  ];
  const stats = await compareTargets({
    label: 'redirect',
    targets,
    emulator,
    codes: codesFrom(emulator),
    redirectCode: redirectCodesFrom(emulator),
    concurrency: CONCURRENCY,
    warmupMs: 2000,
    durationMs: seconds * 1000,
    rounds: 5,
    progress,
  });
  const [app, passport] = stats as [TargetStats, TargetStats];
  results.redirect = {
    app,
    passport,
    ratio: app.perSecond / passport.perSecond,
    baseline: baseline.length > 0 ? stats[2] : undefined,
    postgres: onPostgres.length > 0 ? stats.at(-1) : undefined,
  };
  await stopAll();
}

/** With --baseline: the other checkout's app, measured in the same interleaved rounds. */
async function baselineTargets(options: TargetOptions): Promise<Target[]> {
  if (!args.baseline) return [];
  return [await started(startApp('baseline', { ...options, checkout: args.baseline }))];
}

async function me(): Promise<void> {
  progress.update('signed-in: starting the emulator, the apps and the limit server');
  const emulator = await started(startEmulator(0, ACCOUNTS));
  const profile = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : undefined;
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const baseline = await baselineTargets(options);
  const onPostgres = await postgresTargets(options);
  const targets = [
    await started(startApp('app (SQLite)', { ...options, nodeFlags: profile })),
    await started(startLimit('limit', options)),
    await started(startPeer('session', options)),
    await started(startPeer('passport', options)),
    ...baseline,
    ...onPostgres,
  ];
  const [json, html] = await comparePageViews({
    targets,
    // Both answer only a signed-in browser with these; a signed-out answer counts as an error.
    routes: [
      { path: '/me', expect: '"email"' },
      { path: '/', expect: 'action="/logout"' },
    ],
    codes: codesFrom(emulator),
    redirectCode: redirectCodesFrom(emulator),
    concurrency: CONCURRENCY,
    warmupMs: 1000,
    durationMs: seconds * 1000,
    rounds: 5,
    progress,
  });
  const compared = (stats: PageStats[]): PageComparison => {
    const [app, limit, session, passport] = stats as [PageStats, PageStats, PageStats, PageStats];
    return {
      app,
      limit,
      ratio: app.perSecond / limit.perSecond,
      peers: { session, passport },
      baseline: baseline.length > 0 ? stats[4] : undefined,
      postgres: postgresStats(stats, onPostgres.length),
    };
  };
  results.signedIn = { me: compared(json!), home: compared(html!) };
  await stopAll();
}

async function latency(): Promise<void> {
  progress.update(`latency: starting the emulator with ${DELAY_MS} ms per call`);
  const emulator = await started(startEmulator(DELAY_MS, ACCOUNTS));
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const onPostgres = await postgresTargets(options, [1]);
  const targets = [
    await started(startApp('app (SQLite)', options)),
    await started(startLimit('limit', options)),
    ...onPostgres,
  ];
  const [app, limit, postgresApp] = await compareTargets({
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
  results.latency = {
    app: app!,
    limit: limit!,
    delayMs: DELAY_MS,
    floorMs: 2 * DELAY_MS,
    postgres: postgresApp,
  };
  await stopAll();
}

async function memory(): Promise<void> {
  progress.update('memory: starting the emulator and the apps');
  const emulator = await started(startEmulator(0, ACCOUNTS));
  const options = { emulatorUrl: emulator.url, logLevel: args.logLevel };
  const targets = [
    await started(startApp('app (SQLite)', options)),
    ...(await postgresTargets(options, [1])),
  ];
  [results.memory, results.memoryPostgres] = await measureMemory({
    targets,
    codes: codesFrom(emulator),
    signIns: args.signIns,
    warmupSignIns: 10_000,
    concurrency: CONCURRENCY,
    progress,
  });
  await stopAll();
}

async function scale(): Promise<void> {
  const report = (text: string) => progress.update(`scale: ${text}`);
  results.scale = await measureScale(1000, args.rows, openSqliteFilled, report);
  progress.done('scale: SQLite done');
  const server = usePostgres();
  if (server) {
    const onPostgres = (text: string) => report(`PostgreSQL: ${text}`);
    results.scalePostgres = await measureScale(1000, args.rows, postgresFilled(server), onPostgres);
    progress.done('scale: PostgreSQL done');
  }
}

const steps = { throughput, redirect, me, latency, memory, scale };
try {
  for (const phase of PHASES) if (phases.has(phase)) await steps[phase]();
} finally {
  await stopAll();
  postgres?.close();
}

process.stdout.write(
  args.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatTable(results)}\n`,
);
const errors = errorCount(results);
if (errors > 0) {
  process.stderr.write(
    `${errors} requests failed, e.g.: ${JSON.stringify(
      [
        results.throughput?.app,
        results.throughput?.limit,
        results.throughput?.postgres?.oneInstance,
        results.throughput?.postgres?.twoInstances,
        results.throughput?.sessionPeer,
        results.redirect?.app,
        results.redirect?.passport,
        results.redirect?.postgres,
        results.signedIn?.me.peers?.session,
        results.signedIn?.me.peers?.passport,
        results.signedIn?.me.app,
        results.signedIn?.home.app,
        results.signedIn?.me.postgres?.oneInstance,
        results.signedIn?.me.postgres?.twoInstances,
        results.signedIn?.home.postgres?.oneInstance,
        results.signedIn?.home.postgres?.twoInstances,
        results.latency?.app,
        results.latency?.postgres,
        results.memory,
        results.memoryPostgres,
      ]
        .flatMap((r) => r?.errorSamples ?? [])
        .slice(0, 3),
    )}\n`,
  );
  process.exitCode = 1;
}
