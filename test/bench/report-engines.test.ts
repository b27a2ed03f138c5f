import { describe, expect, it } from 'vitest';
import type { TargetStats } from '../../bench/compare.js';
import { errorCount, formatTable, type Results } from '../../bench/report.js';
import { machine } from './machine.js';

function stats(name: string, perSecond: number, cpu: number, databaseCpu?: number): TargetStats {
  return {
    name,
    signIns: perSecond * 10,
    errors: 0,
    errorSamples: [],
    seconds: 10,
    perSecond,
    gconnectP50Ms: 10,
    gconnectP90Ms: 20,
    serverCpuMicros: cpu,
    databaseCpuMicros: databaseCpu,
    emulatorBusyPercent: 10,
  };
}

function throughputWith(postgres: boolean): Results['throughput'] {
  return {
    app: stats('app (SQLite)', 200, 1000),
    limit: stats('limit', 1000, 100),
    ratio: 0.2,
    postgres: postgres
      ? {
          oneInstance: stats('app (PostgreSQL, 1 instance)', 100, 1500, 400),
          twoInstances: { ...stats('app (PostgreSQL, 2 instances)', 150, 2000, 500), errors: 3 },
        }
      : undefined,
  };
}

describe('bench report: SQLite vs PostgreSQL', () => {
  it('puts the PostgreSQL targets beside SQLite, each with its ratio to SQLite', () => {
    const [, engines = ''] = formatTable({ machine, throughput: throughputWith(true) }).split(
      '| SQLite vs PostgreSQL',
    );
    const row = (label: string) =>
      engines.split('\n').find((line) => line.startsWith(`| ${label}`));
    expect(row('sign-ins/s, 16 concurrent ')).toMatch(
      /\|\s+200 \|\s+100 \(0\.50×\) \|\s+150 \(0\.75×\) \|$/,
    );
    expect(row('  app CPU per sign-in')).toMatch(
      /\|\s+1000 \|\s+1500 \(1\.50×\) \|\s+2000 \(2\.00×\) \|$/,
    );
    expect(row('  + PostgreSQL CPU per sign-in')).toMatch(/\|\s+\|\s+400 \|\s+500 \|$/);
  });

  it('counts the PostgreSQL targets’ errors as the run’s errors', () => {
    expect(errorCount({ machine, throughput: throughputWith(true) })).toBe(3);
    expect(errorCount({ machine, throughput: throughputWith(false) })).toBe(0);
  });

  it('says why PostgreSQL is missing, and adds nothing for a SQLite-only run', () => {
    const skipped = formatTable({
      machine,
      postgres: { skipped: 'PostgreSQL server binaries not found (initdb).' },
      throughput: throughputWith(false),
    });
    expect(skipped).toContain('PostgreSQL: skipped (PostgreSQL server binaries not found');
    const sqliteOnly = formatTable({ machine, throughput: throughputWith(false) });
    expect(sqliteOnly).not.toContain('PostgreSQL');
  });
});
