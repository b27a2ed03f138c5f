/**
 * SQLite next to PostgreSQL (one instance, two instances on one database): the throughput and
 * signed-in figures of the same interleaved rounds, side by side, each PostgreSQL figure with
 * its ratio to SQLite's. The scale phase's PostgreSQL rows are in the main table (they have a
 * target of their own).
 */
import type { TargetStats } from './compare.js';
import type { PageStats } from './page-views.js';
import type { PostgresStats, Results } from './results.js';
import { f0, f2, markdownTable } from './table.js';

type Stats = TargetStats | PageStats;

/** The section under the main table: the table, a note that PostgreSQL was skipped, or none. */
export function enginesSection(r: Results): string[] {
  if (r.postgres && 'skipped' in r.postgres) {
    return ['', `PostgreSQL: skipped (${r.postgres.skipped})`];
  }
  const rows = enginesRows(r);
  if (rows.length === 0) return [];
  const header = ['SQLite vs PostgreSQL', 'SQLite', 'PostgreSQL, 1 instance', '2 instances'];
  const where = r.postgres ? `PostgreSQL on ${r.postgres.server}. ` : '';
  return [
    '',
    `${where}Ratios are PostgreSQL / SQLite; CPU per request of 2 instances is both processes' sum.`,
    '',
    markdownTable([header, ...rows]),
  ];
}

function enginesRows(r: Results): string[][] {
  const rows: string[][] = [];
  const t = r.throughput;
  if (t?.postgres) {
    rows.push(...measureRows('sign-ins/s, 16 concurrent', 'sign-in', t.app, t.postgres));
  }
  for (const [label, page] of [
    ['signed-in GET /me req/s', r.signedIn?.me],
    ['signed-in GET / (HTML) req/s', r.signedIn?.home],
  ] as const) {
    if (page?.postgres) rows.push(...measureRows(label, 'request', page.app, page.postgres));
  }
  return rows;
}

/** Rate, errors, the app's CPU and the database server's CPU per sign-in or request. */
function measureRows(
  label: string,
  unit: string,
  sqlite: Stats,
  pg: PostgresStats<Stats>,
): string[][] {
  const both = [pg.oneInstance, pg.twoInstances];
  const vs = (value: number, reference: number) => `${f0(value)} (${f2(value / reference)}×)`;
  return [
    [label, f0(sqlite.perSecond), ...both.map((s) => vs(s.perSecond, sqlite.perSecond))],
    ['  errors', String(sqlite.errors), ...both.map((s) => String(s.errors))],
    [
      `  app CPU per ${unit} (µs)`,
      f0(sqlite.serverCpuMicros),
      ...both.map((s) => vs(s.serverCpuMicros, sqlite.serverCpuMicros)),
    ],
    [
      `  + PostgreSQL CPU per ${unit} (µs)`,
      '',
      ...both.map((s) => (s.databaseCpuMicros === undefined ? '–' : f0(s.databaseCpuMicros))),
    ],
  ];
}
