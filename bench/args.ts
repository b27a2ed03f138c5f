import { parseArgs } from 'node:util';

export const PHASES = ['throughput', 'latency', 'memory', 'scale'] as const;

export const USAGE = `Usage: npm run bench [-- options]

Sign-in throughput next to a bare node:http limit server, latency with delayed Google calls,
memory over many sign-ins, and database scale. Progress goes to stderr, the table to stdout.

Options:
  --only LIST        phases to run, comma-separated (default: ${PHASES.join(',')})
  --seconds N        measuring time per throughput target (default: 10)
  --sign-ins N       sign-ins of the memory phase (default: 100000)
  --rows N           rows of the scale phase (default: 1000000)
  --log-level LEVEL  the app's LOG_LEVEL (default: info)
  --cpu-prof DIR     write a CPU profile of the app to DIR
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
}

export function readBenchArgs(argv: string[]): BenchArgs {
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
  };
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
