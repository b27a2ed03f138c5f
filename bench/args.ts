import { parseArgs } from 'node:util';

export const PHASES = ['throughput', 'redirect', 'me', 'latency', 'memory', 'scale'] as const;
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export const USAGE = `Usage: npm run bench [-- options]

Sign-in throughput next to a bare node:http limit server and an express-session + SQLite-store
peer, redirect-flow sign-ins next to Passport's (redirect), signed-in GET /me and GET / (me),
latency with delayed Google calls, memory over many sign-ins, and database scale; every phase
on SQLite and on PostgreSQL (throughput and me: one and two app instances; latency, memory: one).
Progress goes to stderr, the table to stdout.

Options:
  --only LIST        phases to run, comma-separated (default: ${PHASES.join(',')})
  --engines LIST     databases of the app under test (default: ${ENGINES.join(',')});
                     the SQLite app is the reference and always runs, so "sqlite" alone
                     means: no PostgreSQL
  --database-url URL a PostgreSQL server the bench may create databases on (default:
                     BENCH_DATABASE_URL, else a throwaway cluster started and removed by the bench)
  --seconds N        measuring time per throughput and signed-in target (default: 10)
  --sign-ins N       sign-ins of the memory phase, per engine (default: 100000)
  --rows N           rows of the scale phase (default: 1000000)
  --log-level LEVEL  the app's LOG_LEVEL (default: info)
  --cpu-prof DIR     write a CPU profile of the app to DIR
  --baseline DIR     also measure the app of another checkout (e.g. a git archive of the
                     commit before a change, with node_modules linked), interleaved: an A/B
  --json             machine-readable output
  --help             this text
`;

/** A bad command line: its message is one line, printed without a stack. */
export class UsageError extends Error {}

export interface BenchArgs {
  help: boolean;
  json: boolean;
  phases: Set<string>;
  seconds: number;
  signIns: number;
  rows: number;
  logLevel: string;
  cpuProf: string | undefined;
  baseline: string | undefined;
  engines: Set<Engine>;
  databaseUrl: string | undefined;
}

export function readBenchArgs(
  argv: string[],
  env: Record<string, string | undefined> = {},
): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        json: { type: 'boolean', default: false },
        only: { type: 'string', default: PHASES.join(',') },
        seconds: { type: 'string', default: '10' },
        'sign-ins': { type: 'string', default: '100000' },
        rows: { type: 'string', default: '1000000' },
        'log-level': { type: 'string', default: 'info' },
        'cpu-prof': { type: 'string' },
        baseline: { type: 'string' },
        engines: { type: 'string', default: ENGINES.join(',') },
        'database-url': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(firstSentence((err as Error).message));
  }
  const phases = new Set(values.only.split(','));
  for (const p of phases) {
    if (!(PHASES as readonly string[]).includes(p)) {
      throw new UsageError(`--only: unknown phase "${p}" (${PHASES.join(', ')})`);
    }
  }
  return {
    help: values.help,
    json: values.json,
    phases,
    seconds: positive('--seconds', values.seconds),
    signIns: positive('--sign-ins', values['sign-ins']),
    rows: positive('--rows', values.rows),
    logLevel: values['log-level'],
    cpuProf: values['cpu-prof'],
    baseline: values.baseline,
    engines: readEngines(values.engines),
    databaseUrl: values['database-url'] || env.BENCH_DATABASE_URL || undefined,
  };
}

function readEngines(list: string): Set<Engine> {
  const engines = new Set<Engine>();
  for (const name of list.split(',')) {
    if (!(ENGINES as readonly string[]).includes(name)) {
      throw new UsageError(`--engines: unknown engine "${name}" (${ENGINES.join(', ')})`);
    }
    engines.add(name as Engine);
  }
  if (!engines.has('sqlite')) {
    throw new UsageError(
      '--engines: sqlite is the reference every table compares with and always runs (--engines sqlite skips PostgreSQL)',
    );
  }
  return engines;
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${name} must be a positive number, got "${value}"`);
  }
  return n;
}

/** parseArgs explains at length; the first sentence names the problem. */
function firstSentence(message: string): string {
  return (message.split(/\.(\s|$)/)[0] ?? message).trim();
}
