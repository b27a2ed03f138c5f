/**
 * Does the app's memory stay flat over many sign-ins? RSS of the app process after a warm-up,
 * then after `signIns` more full sign-ins over HTTP (a full GC before each reading). The warm-up
 * is long because RSS climbs for the first ~10 000 sign-ins while V8 and malloc size their
 * pools to the load, then stays level; growth after that is what a leak would show.
 * Several targets (the app on SQLite and on PostgreSQL) take turns in batches, so other load on
 * the machine hits them alike; each gets the same number of sign-ins.
 */
import { batchSizes } from './batches.js';
import type { CodePool } from './code-pool.js';
import type { Usage } from './ipc.js';
import { createAgent, runLoad, type LoadResult } from './load-client.js';
import type { Progress } from './progress.js';
import { urlsOf, type Target } from './targets.js';

export interface MemoryResult {
  signIns: number;
  errors: number;
  errorSamples: string[];
  perSecond: number;
  /** Right after start, before any sign-in. */
  atStart: Usage;
  /** After the warm-up: the reference for growth. */
  before: Usage;
  after: Usage;
  rssGrowthMB: number;
  rssAnonGrowthMB: number | null;
}

const MB = 1024 * 1024;
/** Turns per target in the warm-up and again in the measured part. */
const BATCHES = 4;
const ERROR_SAMPLES = 3;

/** One target's load so far (the measured sign-ins only). */
interface Tally {
  signIns: number;
  errors: number;
  errorSamples: string[];
  elapsedMs: number;
}

export async function measureMemory(options: {
  targets: Target[];
  codes: CodePool;
  signIns: number;
  warmupSignIns: number;
  concurrency: number;
  progress: Progress;
}): Promise<MemoryResult[]> {
  const { targets, codes, concurrency, progress } = options;
  const agents = targets.map(() => createAgent(concurrency));
  const tallies: Tally[] = targets.map(() => ({
    signIns: 0,
    errors: 0,
    errorSamples: [],
    elapsedMs: 0,
  }));
  const usages = () => Promise.all(targets.map((t) => t.child.usage()));
  /** Each target's batch in turn, batch after batch; adds to the tallies if `tally`. */
  const load = async (stage: string, signIns: number, tally: boolean) => {
    for (const [b, size] of batchSizes(signIns, BATCHES).entries()) {
      for (const [i, target] of targets.entries()) {
        const result = await runLoad(agents[i]!, {
          urls: urlsOf(target),
          concurrency,
          signIns: size,
          codes,
          onProgress: (done, errors) =>
            progress.update(
              `memory: ${stage}, ${target.name}, batch ${b + 1}: ${done}/${size} sign-ins, ${errors} errors`,
            ),
        });
        if (tally) addTo(tallies[i]!, result);
      }
    }
  };
  try {
    const atStart = await usages();
    await load('warming up', options.warmupSignIns, false);
    const before = await usages();
    await load('measuring', options.signIns, true);
    const after = await usages();
    progress.done(`memory: ${options.signIns} sign-ins done per target`);
    return targets.map((_, i) => resultOf(tallies[i]!, atStart[i]!, before[i]!, after[i]!));
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

function addTo(tally: Tally, result: LoadResult): void {
  tally.signIns += result.signIns;
  tally.errors += result.errors;
  tally.elapsedMs += result.elapsedMs;
  tally.errorSamples.push(
    ...result.errorSamples.slice(0, ERROR_SAMPLES - tally.errorSamples.length),
  );
}

function resultOf(tally: Tally, atStart: Usage, before: Usage, after: Usage): MemoryResult {
  return {
    signIns: tally.signIns,
    errors: tally.errors,
    errorSamples: tally.errorSamples,
    perSecond: tally.signIns / (tally.elapsedMs / 1000),
    atStart,
    before,
    after,
    rssGrowthMB: (after.rss - before.rss) / MB,
    rssAnonGrowthMB:
      after.rssAnon === null || before.rssAnon === null
        ? null
        : (after.rssAnon - before.rssAnon) / MB,
  };
}
