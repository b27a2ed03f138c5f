/**
 * Runs the same load against several targets, interleaved in short rounds (A B A B …) so that
 * whatever else the machine does affects each target alike, and adds up each target's results.
 */
import type { BenchChild, Usage } from './ipc.js';
import type { CodePool } from './code-pool.js';
import { createAgent, percentile, runLoad, type RedirectCode } from './load-client.js';
import type { Progress } from './progress.js';
import { cpuUsed, readTargetCpu, type CpuReading } from './target-cpu.js';
import { urlsOf, type Target } from './targets.js';

export interface TargetStats {
  name: string;
  signIns: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  /** Successful sign-ins per second. */
  perSecond: number;
  gconnectP50Ms: number;
  gconnectP90Ms: number;
  /** CPU time of the server process per sign-in (µs): what bounds it on a busy machine. */
  serverCpuMicros: number;
  /** CPU time of the database server per sign-in (µs), where measured (PostgreSQL). */
  databaseCpuMicros?: number | undefined;
  /** Share of one core the emulator used meanwhile: near 100 % would make it the bottleneck. */
  emulatorBusyPercent: number;
}

/** How a phase runs its targets: interleaved rounds after a warm-up. */
export interface RoundOptions {
  targets: Target[];
  codes: CodePool;
  /** For targets that sign in by the redirect flow: a code for their authorization request. */
  redirectCode?: RedirectCode | undefined;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  rounds: number;
  progress: Progress;
}

export interface CompareOptions extends RoundOptions {
  label: string;
  emulator: BenchChild;
}

export async function compareTargets(options: CompareOptions): Promise<TargetStats[]> {
  const { targets, emulator, codes, concurrency, progress } = options;
  const agents = targets.map(() => createAgent(concurrency));
  const totals = targets.map((t) => ({
    name: t.name,
    signIns: 0,
    errors: 0,
    errorSamples: [] as string[],
    ms: 0,
    cpu: 0,
    databaseCpu: undefined as number | undefined,
    emulatorCpu: 0,
    gconnectMs: [] as number[],
  }));
  try {
    for (const [i, target] of targets.entries()) {
      await runLoad(agents[i]!, {
        urls: urlsOf(target),
        concurrency,
        durationMs: options.warmupMs,
        codes,
        redirectCode: flowOf(target, options),
        onProgress: (done) =>
          progress.update(`${options.label}: warming up ${target.name} ${done}`),
      });
    }
    const slice = options.durationMs / options.rounds;
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, target] of targets.entries()) {
        const sum = totals[i]!;
        const before = await usages(target, emulator);
        const result = await runLoad(agents[i]!, {
          urls: urlsOf(target),
          concurrency,
          durationMs: slice,
          codes,
          redirectCode: flowOf(target, options),
          onProgress: (done, errors, ms) =>
            progress.update(
              `${options.label}: ${target.name} round ${round + 1}/${options.rounds} ` +
                `${((sum.signIns + done) / ((sum.ms + ms) / 1000)).toFixed(0)}/s, ${sum.errors + errors} errors`,
            ),
        });
        const after = await usages(target, emulator);
        const used = cpuUsed(before.server, after.server);
        sum.signIns += result.signIns;
        sum.errors += result.errors;
        sum.errorSamples.push(...result.errorSamples.slice(0, 5 - sum.errorSamples.length));
        sum.ms += result.elapsedMs;
        sum.cpu += used.serverMicros;
        if (used.databaseMicros !== undefined) {
          sum.databaseCpu = (sum.databaseCpu ?? 0) + used.databaseMicros;
        }
        sum.emulatorCpu += after.emulator.cpuMicros - before.emulator.cpuMicros;
        for (const ms of result.gconnectMs) sum.gconnectMs.push(ms);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  progress.done(`${options.label}: done`);
  return totals.map((t) => ({
    name: t.name,
    signIns: t.signIns,
    errors: t.errors,
    errorSamples: t.errorSamples,
    seconds: t.ms / 1000,
    perSecond: (t.signIns - t.errors) / (t.ms / 1000),
    gconnectP50Ms: percentile(t.gconnectMs, 50),
    gconnectP90Ms: percentile(t.gconnectMs, 90),
    serverCpuMicros: t.cpu / Math.max(1, t.signIns),
    databaseCpuMicros:
      t.databaseCpu === undefined ? undefined : t.databaseCpu / Math.max(1, t.signIns),
    emulatorBusyPercent: (100 * t.emulatorCpu) / 1000 / t.ms,
  }));
}

/** The redirect flow's code source for a target that signs in that way; else the popup's. */
export function flowOf(target: Target, options: RoundOptions): RedirectCode | undefined {
  if (target.flow !== 'redirect') return undefined;
  if (!options.redirectCode) throw new Error(`${target.name}: the redirect flow needs codes`);
  return options.redirectCode;
}

/** Without a GC: only CPU time is read here, and a forced GC would cost the measured window. */
async function usages(
  target: Target,
  emulator: BenchChild,
): Promise<{ server: CpuReading; emulator: Usage }> {
  const [s, e] = await Promise.all([
    readTargetCpu(target),
    emulator.request<Usage>('usage', { gc: false }),
  ]);
  return { server: s, emulator: e };
}
