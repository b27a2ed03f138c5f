/**
 * The PostgreSQL server of a benchmark run: a throwaway cluster (test/support/pg-cluster.ts),
 * started when a phase first needs it and destroyed when the run ends, however it ends; or an
 * existing server (--database-url / BENCH_DATABASE_URL) the bench may create databases on.
 * Each target gets a database of its own, so no two targets share rows.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createDatabase, type ScratchDatabase } from '../test/support/pg-admin.js';
import { postgresBinDir, startPgCluster } from '../test/support/pg-cluster.js';

/** CPU time (µs) per process id. */
export type CpuSnapshot = Map<number, number>;

export interface BenchPostgres {
  /** Where it runs, for the report: "a throwaway cluster" or the --database-url server. */
  description: string;
  /** A new, empty database; its name starts with `label`. */
  createDatabase(label: string): Promise<ScratchDatabase>;
  /**
   * CPU time so far of the server's processes: the postmaster and its children, i.e. every
   * backend. Only for the throwaway cluster (a given server may be on another machine).
   */
  cpuSnapshot: (() => CpuSnapshot) | undefined;
  close(): void;
}

/** The given server, or a new cluster; `skipped` (why) without the PostgreSQL binaries. */
export function openBenchPostgres(
  adminUrl: string | undefined,
): { postgres: BenchPostgres } | { skipped: string } {
  if (adminUrl) return { postgres: onServer(adminUrl, 'the server of --database-url') };
  try {
    postgresBinDir();
  } catch {
    return {
      skipped:
        'no PostgreSQL server binaries (initdb); install them (Debian: apt-get install -y postgresql) or pass --database-url',
    };
  }
  const cluster = startPgCluster();
  // Also on an uncaught error or process.exit(): destroy() is synchronous.
  const destroy = () => cluster.destroy();
  process.once('exit', destroy);
  return {
    postgres: {
      ...onServer(cluster.urlFor('postgres'), 'a throwaway cluster'),
      cpuSnapshot: () => treeCpu(cluster.postmasterPid()),
      close() {
        process.off('exit', destroy);
        destroy();
      },
    },
  };
}

function onServer(adminUrl: string, description: string): BenchPostgres {
  return {
    description,
    createDatabase: (label) =>
      createDatabase(adminUrl, `${label}_${randomBytes(4).toString('hex')}`),
    cpuSnapshot: undefined,
    close() {},
  };
}

/**
 * CPU used between two snapshots. A backend that started meanwhile counts in full; one that
 * exited meanwhile (the pool closes idle connections) is left out rather than counted negative.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
  return total;
}

/** On-CPU time of a process and its children, from /proc (ns precision via schedstat). */
function treeCpu(root: number): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const add = (pid: number) => {
    const micros = processCpuMicros(pid);
    if (micros !== undefined) snapshot.set(pid, micros);
  };
  add(root);
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && parentOf(entry) === root) add(Number(entry));
  }
  return snapshot;
}

function parentOf(pid: string): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: fields follow the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // exited meanwhile
  }
}

function processCpuMicros(pid: number): number | undefined {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1000;
  } catch {
    return undefined;
  }
}
