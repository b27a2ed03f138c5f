/**
 * Does the app's memory stay flat over many sign-ins? RSS of the app process after a warm-up,
 * then after `signIns` more full sign-ins over HTTP (a full GC before each reading). The warm-up
 * is long because RSS climbs for the first ~10 000 sign-ins while V8 and malloc size their
 * pools to the load, then stays level; growth after that is what a leak would show.
 */
import type { CodePool } from './code-pool.js';
import type { Usage } from './ipc.js';
import { createAgent, runLoad } from './load-client.js';
import type { Progress } from './progress.js';
import type { Target } from './targets.js';

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

export async function measureMemory(options: {
  target: Target;
  codes: CodePool;
  signIns: number;
  warmupSignIns: number;
  concurrency: number;
  progress: Progress;
}): Promise<MemoryResult> {
  const { target, codes, concurrency, progress } = options;
  const agent = createAgent(concurrency);
  try {
    const atStart = await target.child.usage();
    await runLoad(agent, {
      urls: [target.url],
      concurrency,
      signIns: options.warmupSignIns,
      codes,
      onProgress: (done) => progress.update(`memory: warming up ${done}/${options.warmupSignIns}`),
    });
    const before = await target.child.usage();
    const result = await runLoad(agent, {
      urls: [target.url],
      concurrency,
      signIns: options.signIns,
      codes,
      onProgress: (done, errors, ms) =>
        progress.update(
          `memory: ${done}/${options.signIns} sign-ins, ${(done / (ms / 1000)).toFixed(0)}/s, ${errors} errors`,
        ),
    });
    const after = await target.child.usage();
    progress.done(`memory: ${result.signIns} sign-ins done`);
    return {
      signIns: result.signIns,
      errors: result.errors,
      errorSamples: result.errorSamples,
      perSecond: result.perSecond,
      atStart,
      before,
      after,
      rssGrowthMB: (after.rss - before.rss) / MB,
      rssAnonGrowthMB:
        after.rssAnon === null || before.rssAnon === null
          ? null
          : (after.rssAnon - before.rssAnon) / MB,
    };
  } finally {
    agent.destroy();
  }
}
