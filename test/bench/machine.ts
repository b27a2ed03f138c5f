import type { Machine } from '../../bench/report.js';

/** A fixed machine line for the report tests. */
export const machine: Machine = {
  date: '2026-11-26T03:00:00Z',
  cpus: 2,
  cpuModel: 'test CPU',
  node: 'v20.0.0',
  platform: 'linux x64',
};
