/** The results: a table for people, JSON for machines. */
import os from 'node:os';
import type { TargetStats } from './compare.js';
import type { MemoryResult } from './memory.js';
import type { PageStats } from './page-views.js';
import { enginesSection } from './report-engines.js';
import { peersSection } from './report-peers.js';
import { f0, f1, f2, markdownTable } from './table.js';
import type { Machine, PageComparison, PostgresStats, Results } from './results.js';
export type { Machine, PageComparison, PostgresStats, Results } from './results.js';
import type { ScaleResult } from './scale.js';

export const TARGETS = {
  throughputRatio: 0.8,
  signedInRatio: 0.25,
  latencyOverFloorMs: 10,
  scaleRatio: 1.5,
  rssGrowthMB: 50,
};

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

const signed = (n: number, unit: string) => `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(1)} ${unit}`;
const pct = (n: number) => `${(100 * n).toFixed(0)} %`;
const mark = (ok: boolean) => (ok ? 'yes' : 'NO');

/** Errors anywhere mean the measurement is void. */
export function errorCount(r: Results): number {
  return (
    (r.throughput ? r.throughput.app.errors + r.throughput.limit.errors : 0) +
    (r.throughput?.appQuietLog?.errors ?? 0) +
    (r.signedIn
      ? r.signedIn.me.app.errors +
        r.signedIn.me.limit.errors +
        r.signedIn.home.app.errors +
        r.signedIn.home.limit.errors
      : 0) +
    (r.latency ? r.latency.app.errors + r.latency.limit.errors : 0) +
    (r.latency?.postgres?.errors ?? 0) +
    (r.memory?.errors ?? 0) +
    (r.memoryPostgres?.errors ?? 0) +
    postgresErrors(r.throughput?.postgres) +
    postgresErrors(r.signedIn?.me.postgres) +
    postgresErrors(r.signedIn?.home.postgres) +
    (r.throughput?.sessionPeer?.errors ?? 0) +
    (r.redirect ? r.redirect.app.errors + r.redirect.passport.errors : 0) +
    (r.redirect?.postgres?.errors ?? 0) +
    peerErrors(r.signedIn?.me) +
    peerErrors(r.signedIn?.home)
  );
}

function peerErrors(c: PageComparison | undefined): number {
  return c?.peers ? c.peers.session.errors + c.peers.passport.errors : 0;
}

function postgresErrors(p: PostgresStats<{ errors: number }> | undefined): number {
  return p ? p.oneInstance.errors + p.twoInstances.errors : 0;
}

export function formatTable(r: Results): string {
  const rows: string[][] = [['measure', 'app', 'reference', 'ratio', 'target', 'met']];
  const t = r.throughput;
  if (t) {
    rows.push([
      'sign-ins/s, 16 concurrent (limit)',
      f0(t.app.perSecond),
      f0(t.limit.perSecond),
      pct(t.ratio),
      `≥ ${pct(TARGETS.throughputRatio)}, 0 errors`,
      mark(t.ratio >= TARGETS.throughputRatio && t.app.errors === 0 && t.limit.errors === 0),
    ]);
    if (t.appQuietLog) {
      rows.push([
        '  …app with LOG_LEVEL=warn',
        f0(t.appQuietLog.perSecond),
        f0(t.limit.perSecond),
        pct(t.appQuietLog.perSecond / t.limit.perSecond),
        '',
        '',
      ]);
    }
    if (t.baseline) rows.push(...baselineRows(t.app, t.baseline, 'sign-in'));
    rows.push(['  errors (non-200)', String(t.app.errors), String(t.limit.errors), '', '0', '']);
    if (t.sessionPeer) {
      rows.push([
        '  peer express-session + SQLite store: sign-ins/s',
        f0(t.app.perSecond),
        f0(t.sessionPeer.perSecond),
        `${f2(t.app.perSecond / t.sessionPeer.perSecond)}×`,
        '',
        t.sessionPeer.errors === 0 ? '' : `${t.sessionPeer.errors} err`,
      ]);
    }
    rows.push(cpuRow('  server CPU per sign-in (µs)', t.app, t.limit));
    rows.push([
      '  emulator busy (% of a core)',
      f0(t.app.emulatorBusyPercent),
      f0(t.limit.emulatorBusyPercent),
      '',
      '',
      '',
    ]);
  }
  if (r.redirect) rows.push(...redirectRows(r.redirect));
  const p = r.signedIn;
  if (p) rows.push(...signedInRows(p));
  if (r.latency) rows.push(...latencyRows(r.latency));
  if (r.scale) rows.push(...scaleRows(r.scale, ''));
  if (r.scalePostgres) rows.push(...scaleRows(r.scalePostgres, ' (PostgreSQL)'));
  if (r.memory) rows.push(...memoryRows(r.memory, ''));
  if (r.memoryPostgres) rows.push(...memoryRows(r.memoryPostgres, ' (PostgreSQL)'));
  const m0 = r.machine;
  return [
    `${m0.date} · ${m0.cpus} × ${m0.cpuModel} · Node ${m0.node} · ${m0.platform}`,
    '',
    markdownTable(rows),
    ...peersSection(r),
    ...enginesSection(r),
  ].join('\n');
}

/** Redirect-flow sign-ins of the app (SQLite) next to Passport's, and the A/B rows. */
function redirectRows(d: NonNullable<Results['redirect']>): string[][] {
  return [
    [
      'redirect sign-ins/s, 16 concurrent (Passport)',
      f0(d.app.perSecond),
      f0(d.passport.perSecond),
      `${f2(d.ratio)}×`,
      '0 errors',
      mark(d.app.errors === 0 && d.passport.errors === 0),
    ],
    cpuRow('  server CPU per sign-in (µs)', d.app, d.passport),
    ...(d.baseline ? baselineRows(d.app, d.baseline, 'sign-in') : []),
  ];
}

/** p50 against the floor (the target) and p90 of each engine's app, then the limit server's. */
function latencyRows(l: NonNullable<Results['latency']>): string[][] {
  const appRows = (app: TargetStats, engine: string) => {
    const over = app.gconnectP50Ms - l.floorMs;
    return [
      [
        `POST /gconnect p50 ms, ${l.delayMs} ms/call (floor)${engine}`,
        f1(app.gconnectP50Ms),
        `${l.floorMs}`,
        signed(over, 'ms'),
        `≤ +${TARGETS.latencyOverFloorMs} ms`,
        mark(over <= TARGETS.latencyOverFloorMs && app.errors === 0),
      ],
      [
        '  p90 ms (floor)',
        f1(app.gconnectP90Ms),
        `${l.floorMs}`,
        signed(app.gconnectP90Ms - l.floorMs, 'ms'),
        '',
        '',
      ],
    ];
  };
  return [
    ...appRows(l.app, ''),
    ...(l.postgres ? appRows(l.postgres, ' (PostgreSQL)') : []),
    [
      '  limit server p50 / p90 ms',
      '',
      `${f1(l.limit.gconnectP50Ms)} / ${f1(l.limit.gconnectP90Ms)}`,
      '',
      '',
      '',
    ],
  ];
}

/** RSS at start, its growth over the measured sign-ins (the target), RssAnon and heap. */
function memoryRows(m: MemoryResult, engine: string): string[][] {
  const mb = (n: number) => f1(n / 1024 / 1024);
  const rows = [
    [`RSS MB at start${engine}`, mb(m.atStart.rss), '', '', '', ''],
    [
      `RSS MB, before → after ${m.signIns.toLocaleString('en')} sign-ins${engine}`,
      `${mb(m.before.rss)} → ${mb(m.after.rss)}`,
      '',
      signed(m.rssGrowthMB, 'MB'),
      `< ${TARGETS.rssGrowthMB} MB`,
      mark(m.rssGrowthMB < TARGETS.rssGrowthMB && m.errors === 0),
    ],
  ];
  if (m.rssAnonGrowthMB !== null && m.before.rssAnon !== null && m.after.rssAnon !== null) {
    rows.push([
      '  of which private (RssAnon)',
      `${mb(m.before.rssAnon)} → ${mb(m.after.rssAnon)}`,
      '',
      signed(m.rssAnonGrowthMB, 'MB'),
      '',
      '',
    ]);
  }
  rows.push([
    '  heap used MB',
    `${mb(m.before.heapUsed)} → ${mb(m.after.heapUsed)}`,
    '',
    '',
    '',
    '',
  ]);
  return rows;
}

/** User upsert and session lookup, large vs small, against the target. */
function scaleRows(s: ScaleResult, engine: string): string[][] {
  const rowsLabel = `${s.large.rows.toLocaleString('en')} vs ${s.small.rows.toLocaleString('en')} rows${engine}`;
  const row = (measure: string, large: number, small: number, ratio: number) => [
    `${measure} µs, ${rowsLabel}`,
    f2(large),
    f2(small),
    `${f2(ratio)}×`,
    `≤ ${TARGETS.scaleRatio}×`,
    mark(ratio <= TARGETS.scaleRatio),
  ];
  return [
    row('user upsert', s.large.upsertMicros, s.small.upsertMicros, s.upsertRatio),
    row('session lookup', s.large.sessionGetMicros, s.small.sessionGetMicros, s.sessionGetRatio),
  ];
}

function signedInRows(p: { me: PageComparison; home: PageComparison }): string[][] {
  const cpu = (c: PageComparison) => cpuRow('  server CPU per request (µs)', c.app, c.limit);
  const ok = (c: PageComparison) => c.app.errors === 0 && c.limit.errors === 0;
  const ab = (c: PageComparison) => (c.baseline ? baselineRows(c.app, c.baseline, 'request') : []);
  return [
    [
      'signed-in GET /me req/s, 16 concurrent (bare)',
      f0(p.me.app.perSecond),
      f0(p.me.limit.perSecond),
      pct(p.me.ratio),
      `≥ ${pct(TARGETS.signedInRatio)}, 0 errors`,
      mark(p.me.ratio >= TARGETS.signedInRatio && ok(p.me)),
    ],
    cpu(p.me),
    ...ab(p.me),
    ...peerRows(p.me),
    [
      'signed-in GET / (HTML) req/s (bare)',
      f0(p.home.app.perSecond),
      f0(p.home.limit.perSecond),
      pct(p.home.ratio),
      '0 errors',
      mark(ok(p.home)),
    ],
    cpu(p.home),
    ...ab(p.home),
    ...peerRows(p.home),
  ];
}

/** The app's page views per second against each conventional peer's (ratio app / peer). */
function peerRows(c: PageComparison): string[][] {
  if (!c.peers) return [];
  const row = (label: string, peer: PageStats) => [
    `  peer ${label}: req/s`,
    f0(c.app.perSecond),
    f0(peer.perSecond),
    `${f2(c.app.perSecond / peer.perSecond)}×`,
    '',
    peer.errors === 0 ? '' : `${peer.errors} err`,
  ];
  return [
    row('express-session + SQLite store', c.peers.session),
    row('Passport', c.peers.passport),
  ];
}

/** A/B: this checkout's app (B) against the baseline's (A), same rounds; ratios B / A. */
function baselineRows(
  app: { perSecond: number; serverCpuMicros: number },
  baseline: { perSecond: number; serverCpuMicros: number; errors: number },
  unit: string,
): string[][] {
  return [
    [
      '  A/B: per second, this vs --baseline',
      f0(app.perSecond),
      f0(baseline.perSecond),
      `${f2(app.perSecond / baseline.perSecond)}×`,
      '',
      baseline.errors === 0 ? '' : `${baseline.errors} err`,
    ],
    [
      `  A/B: CPU per ${unit} µs, this vs --baseline`,
      f0(app.serverCpuMicros),
      f0(baseline.serverCpuMicros),
      `${f2(app.serverCpuMicros / baseline.serverCpuMicros)}×`,
      '',
      '',
    ],
  ];
}

/** Server CPU time per request of the app next to the limit's. */
function cpuRow(
  label: string,
  app: { serverCpuMicros: number },
  limit: { serverCpuMicros: number },
): string[] {
  const ratio = `${f1(app.serverCpuMicros / limit.serverCpuMicros)}×`;
  return [label, f0(app.serverCpuMicros), f0(limit.serverCpuMicros), ratio, '', ''];
}
