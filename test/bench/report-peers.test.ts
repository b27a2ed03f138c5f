import { describe, expect, it } from 'vitest';
import type { TargetStats } from '../../bench/compare.js';
import type { PageStats } from '../../bench/page-views.js';
import { errorCount, formatTable, type PageComparison, type Results } from '../../bench/report.js';
import { machine } from './machine.js';

function stats(name: string, perSecond: number, cpu: number, errors = 0): TargetStats {
  return {
    name,
    signIns: perSecond * 10,
    errors,
    errorSamples: [],
    seconds: 10,
    perSecond,
    gconnectP50Ms: 10,
    gconnectP90Ms: 20,
    serverCpuMicros: cpu,
    emulatorBusyPercent: 10,
  };
}

function page(name: string, perSecond: number, cpu: number, errors = 0): PageStats {
  const s = { name, path: '/me', requests: perSecond * 10, errors, errorSamples: [], seconds: 10 };
  return { ...s, perSecond, serverCpuMicros: cpu };
}

function pages(app: number, session: number, passport: number, errors = 0): PageComparison {
  return {
    app: page('app', app, 500),
    limit: page('limit', 4000, 50),
    ratio: app / 4000,
    peers: {
      session: page('session', session, 400),
      passport: page('passport', passport, 450, errors),
    },
  };
}

const results: Results = {
  machine,
  throughput: {
    app: stats('app (SQLite)', 100, 2900),
    limit: stats('limit', 400, 1000),
    ratio: 0.25,
    sessionPeer: stats('peer', 80, 3000),
  },
  redirect: {
    app: stats('app (SQLite)', 120, 4000),
    passport: stats('passport', 100, 3900),
    ratio: 1.2,
    postgres: stats('app (PostgreSQL, 1 instance)', 130, 3800),
  },
  signedIn: { me: pages(1200, 1000, 1001), home: pages(1000, 800, 900) },
};

/** The issue-23 section's row for `label`: its cells, trimmed. */
function row(table: string, label: string): string[] {
  const [, section = ''] = table.split('| issue 23');
  const line = section.split('\n').find((l) => l.startsWith(`| ${label}`));
  if (!line) throw new Error(`no row ${label}`);
  return line
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());
}

describe('bench report: issue 23 against the conventional peers', () => {
  it('gives each measure ours, the ratio to the reference and whether its target is met, per engine', () => {
    const table = formatTable(results);
    expect(row(table, 'CPU per popup sign-in µs vs limit server')).toEqual([
      '2900 (2.90×)',
      '',
      '1000',
      '≤ 3.00×',
      'yes / –',
    ]);
    // 1.2× Passport's rate is met exactly; the CPU must be below Passport's: 4000 > 3900 is not.
    expect(row(table, 'redirect sign-ins/s vs Passport')).toEqual([
      '120 (1.20×)',
      '130 (1.30×)',
      '100',
      '≥ 1.20×',
      'yes / yes',
    ]);
    expect(row(table, '  CPU per redirect sign-in µs vs Passport')).toEqual([
      '4000 (1.03×)',
      '3800 (0.97×)',
      '3900',
      '< 1.00×',
      'NO / yes',
    ]);
    // GET /me: 1200 is 1.20× the session peer's 1000 but 1.199× Passport's 1001.
    const me = table.split('| signed-in GET / req/s')[0]!;
    expect(row(me, '  …vs express-session + SQLite store (req/s)').at(-1)).toBe('yes / –');
    expect(row(me, '  …vs Passport (req/s)').at(-1)).toBe('NO / –');
    expect(row(me, 'signed-in GET /me req/s vs bare node:http')).toEqual([
      '1200 (30 %)',
      '',
      '4000',
      '≥ 25 %',
      'yes / –',
    ]);
  });

  it('marks a target not met when the peer had errors, and counts the peers’ errors as the run’s', () => {
    const withErrors: Results = {
      ...results,
      signedIn: { me: pages(2000, 1000, 1000, 2), home: pages(1000, 800, 900) },
    };
    const me = formatTable(withErrors).split('| signed-in GET / req/s')[0]!;
    expect(row(me, '  …vs Passport (req/s)').at(-1)).toBe('NO / –');
    expect(row(me, '  …vs express-session + SQLite store (req/s)').at(-1)).toBe('yes / –');
    expect(errorCount(withErrors)).toBe(2);
    expect(
      errorCount({ ...results, redirect: { ...results.redirect!, passport: stats('p', 1, 1, 3) } }),
    ).toBe(3);
    expect(errorCount(results)).toBe(0);
  });

  it('adds no section when no phase with a peer ran, and no PostgreSQL column for a SQLite-only run', () => {
    expect(formatTable({ machine })).not.toContain('issue 23');
    const sqliteOnly = formatTable({
      ...results,
      redirect: { ...results.redirect!, postgres: undefined },
    });
    expect(sqliteOnly).not.toContain('PostgreSQL');
    expect(row(sqliteOnly, 'redirect sign-ins/s vs Passport')).toEqual([
      '120 (1.20×)',
      '100',
      '≥ 1.20×',
      'yes',
    ]);
  });
});
