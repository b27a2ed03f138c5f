/**
 * The signed-in phase: each target signs in one browser per concurrent loop, then GET /me (JSON)
 * and GET / (an HTML page) are loaded with those cookies, the targets interleaved in short rounds
 * like the sign-in phases, so the machine's other load hits them alike.
 */
import type http from 'node:http';
import { flowOf, type RoundOptions } from './compare.js';
import { createAgent, runPageLoad, signInBy } from './load-client.js';
import { roundRobin } from './round-robin.js';
import { cpuUsed, readTargetCpu } from './target-cpu.js';
import { urlsOf, type Target } from './targets.js';

export interface PageStats {
  name: string;
  path: string;
  requests: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  /** Successful requests per second. */
  perSecond: number;
  /** CPU time of the server process per request (µs), all instances. */
  serverCpuMicros: number;
  /** CPU time of the database server per request (µs), where measured (PostgreSQL). */
  databaseCpuMicros?: number | undefined;
}

/** A route of the phase and what its signed-in answer contains. */
export interface PageRoute {
  path: string;
  expect: string;
}

export interface PageViewOptions extends RoundOptions {
  routes: PageRoute[];
}

/** Per route, per target (in the order given). */
export async function comparePageViews(options: PageViewOptions): Promise<PageStats[][]> {
  const { targets, routes, progress } = options;
  const agents = targets.map(() => createAgent(options.concurrency));
  try {
    const cookies: string[][] = [];
    for (const [i, target] of targets.entries()) {
      progress.update(`signed-in: signing in ${options.concurrency} browsers on ${target.name}`);
      cookies.push(await signInAll(agents[i]!, target, options));
    }
    const runs = routes.flatMap((route) =>
      targets.map((target, i) => ({ route, target, agent: agents[i]!, cookies: cookies[i]! })),
    );
    for (const run of runs) {
      progress.update(`signed-in: warming up ${run.target.name} ${run.route.path}`);
      await runPageLoad(run.agent, {
        ...run.route,
        ...run,
        urls: urlsOf(run.target),
        durationMs: options.warmupMs,
      });
    }
    const totals = runs.map((run) => ({
      ...run,
      requests: 0,
      errors: 0,
      samples: [] as string[],
      ms: 0,
      cpu: 0,
      databaseCpu: undefined as number | undefined,
    }));
    for (let round = 0; round < options.rounds; round++) {
      for (const sum of totals) {
        progress.update(
          `signed-in: ${sum.target.name} GET ${sum.route.path} round ${round + 1}/${options.rounds}`,
        );
        const before = await readTargetCpu(sum.target);
        const result = await runPageLoad(sum.agent, {
          ...sum.route,
          urls: urlsOf(sum.target),
          cookies: sum.cookies,
          durationMs: options.durationMs / options.rounds,
        });
        const used = cpuUsed(before, await readTargetCpu(sum.target));
        sum.cpu += used.serverMicros;
        if (used.databaseMicros !== undefined) {
          sum.databaseCpu = (sum.databaseCpu ?? 0) + used.databaseMicros;
        }
        sum.requests += result.requests;
        sum.errors += result.errors;
        sum.samples.push(...result.errorSamples.slice(0, 5 - sum.samples.length));
        sum.ms += result.elapsedMs;
      }
    }
    progress.done('signed-in: done');
    const stats = totals.map((t) => ({
      name: t.target.name,
      path: t.route.path,
      requests: t.requests,
      errors: t.errors,
      errorSamples: t.samples,
      seconds: t.ms / 1000,
      perSecond: (t.requests - t.errors) / (t.ms / 1000),
      serverCpuMicros: t.cpu / Math.max(1, t.requests),
      databaseCpuMicros:
        t.databaseCpu === undefined ? undefined : t.databaseCpu / Math.max(1, t.requests),
    }));
    return routes.map((_, r) => stats.slice(r * targets.length, (r + 1) * targets.length));
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

async function signInAll(
  agent: http.Agent,
  target: Target,
  options: PageViewOptions,
): Promise<string[]> {
  const next = roundRobin(urlsOf(target));
  return Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      const flow = { codes: options.codes, redirectCode: flowOf(target, options) };
      return (await signInBy(agent, next, flow)).cookie;
    }),
  );
}
