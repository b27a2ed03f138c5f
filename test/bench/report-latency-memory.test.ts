import { describe, expect, it } from 'vitest';
import type { TargetStats } from '../../bench/compare.js';
import type { MemoryResult } from '../../bench/memory.js';
import { errorCount, formatTable, type Results } from '../../bench/report.js';
import { machine } from './machine.js';

const MB = 1024 * 1024;

function stats(name: string, p50: number, p90: number, errors = 0): TargetStats {
  return {
    name,
    signIns: 1000,
    errors,
    errorSamples: [],
    seconds: 10,
    perSecond: 100,
    gconnectP50Ms: p50,
    gconnectP90Ms: p90,
    serverCpuMicros: 1000,
    emulatorBusyPercent: 10,
  };
}

function memory(beforeMB: number, afterMB: number, errors = 0): MemoryResult {
  const usage = (rssMB: number) => ({
    rss: rssMB * MB,
    rssAnon: (rssMB - 50) * MB,
    heapUsed: 20 * MB,
    cpuMicros: 0,
  });
  return {
    signIns: 5000,
    errors,
    errorSamples: [],
    perSecond: 100,
    atStart: usage(100),
    before: usage(beforeMB),
    after: usage(afterMB),
    rssGrowthMB: afterMB - beforeMB,
    rssAnonGrowthMB: afterMB - beforeMB,
  };
}

function latency(postgres?: TargetStats): Results['latency'] {
  return {
    app: stats('app (SQLite)', 86, 93.5),
    limit: stats('limit', 83.7, 87.6),
    delayMs: 40,
    floorMs: 80,
    postgres,
  };
}

/** The cells of the main table's row whose measure is `label`. */
function row(table: string, label: string): string[] | undefined {
  return table
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .find((cells) => cells[0] === label);
}

describe('bench report: latency and memory on both engines', () => {
  it('reports PostgreSQL’s p50 and p90 beside SQLite’s, against the same floor + 10 ms', () => {
    const table = formatTable({ machine, latency: latency(stats('app (PostgreSQL)', 95, 120)) });
    expect(row(table, 'POST /gconnect p50 ms, 40 ms/call (floor)')).toEqual([
      'POST /gconnect p50 ms, 40 ms/call (floor)',
      '86.0',
      '80',
      '+6.0 ms',
      '≤ +10 ms',
      'yes',
    ]);
    expect(row(table, 'POST /gconnect p50 ms, 40 ms/call (floor) (PostgreSQL)')).toEqual([
      'POST /gconnect p50 ms, 40 ms/call (floor) (PostgreSQL)',
      '95.0',
      '80',
      '+15.0 ms',
      '≤ +10 ms',
      'NO',
    ]);
    const lines = table.split('\n');
    const pg = lines.findIndex((l) => l.includes('(floor) (PostgreSQL)'));
    expect(lines[pg + 1]).toMatch(/^\| {3}p90 ms \(floor\) +\| +120\.0 \| +80 \| +\+40\.0 ms \|/);
  });

  it('reports PostgreSQL’s RSS growth beside SQLite’s, against the same < 50 MB', () => {
    const table = formatTable({
      machine,
      memory: memory(200, 195),
      memoryPostgres: memory(150, 210),
    });
    expect(row(table, 'RSS MB, before → after 5,000 sign-ins')).toEqual([
      'RSS MB, before → after 5,000 sign-ins',
      '200.0 → 195.0',
      '',
      '−5.0 MB',
      '< 50 MB',
      'yes',
    ]);
    expect(row(table, 'RSS MB, before → after 5,000 sign-ins (PostgreSQL)')).toEqual([
      'RSS MB, before → after 5,000 sign-ins (PostgreSQL)',
      '150.0 → 210.0',
      '',
      '+60.0 MB',
      '< 50 MB',
      'NO',
    ]);
    expect(row(table, 'RSS MB at start (PostgreSQL)')?.[1]).toBe('100.0');
  });

  it('counts the PostgreSQL app’s latency and memory errors as the run’s errors', () => {
    const results: Results = {
      machine,
      latency: latency(stats('app (PostgreSQL)', 95, 120, 2)),
      memory: memory(200, 195),
      memoryPostgres: memory(150, 160, 5),
    };
    expect(errorCount(results)).toBe(7);
  });

  it('adds no PostgreSQL rows to a SQLite-only run', () => {
    const table = formatTable({ machine, latency: latency(), memory: memory(200, 195) });
    expect(table).not.toContain('PostgreSQL');
    expect(errorCount({ machine, latency: latency(), memory: memory(200, 195) })).toBe(0);
  });
});
