/**
 * CPU time of a target over a round: its instances' summed (two app processes count as one
 * server), and its database server's separately where it can be read (the throwaway PostgreSQL
 * cluster; SQLite's work is inside the app process already).
 */
import type { Usage } from './ipc.js';
import { cpuBetween, type CpuSnapshot } from './postgres.js';
import type { Target } from './targets.js';

export interface CpuReading {
  serverMicros: number;
  database: CpuSnapshot | undefined;
}

/** Without a GC: only CPU time is read here, and a forced GC would cost the measured window. */
export async function readTargetCpu(target: Target): Promise<CpuReading> {
  const usages = await Promise.all(
    target.instances.map((i) => i.child.request<Usage>('usage', { gc: false })),
  );
  return {
    serverMicros: usages.reduce((sum, u) => sum + u.cpuMicros, 0),
    database: target.databaseCpu?.(),
  };
}

/** CPU used between two readings, µs; the database's undefined where it is not read. */
export function cpuUsed(
  before: CpuReading,
  after: CpuReading,
): { serverMicros: number; databaseMicros: number | undefined } {
  return {
    serverMicros: after.serverMicros - before.serverMicros,
    databaseMicros:
      before.database && after.database ? cpuBetween(before.database, after.database) : undefined,
  };
}
