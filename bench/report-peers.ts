/**
 * Issue 23's targets, side by side with the conventional peers of the same interleaved rounds:
 * the app on each engine (PostgreSQL: one instance) against the limit server, the
 * express-session + SQLite-store peer and Passport's redirect flow, each target marked.
 */
import type { TargetStats } from './compare.js';
import type { PageStats } from './page-views.js';
import type { PageComparison, Results } from './results.js';
import { f0, f2, markdownTable } from './table.js';

export const ISSUE_23 = {
  /** Server CPU per popup sign-in, at most this many times the limit server's. */
  signInCpuVsLimit: 3,
  /** Redirect sign-ins/s, at least this many times Passport's (and CPU per sign-in below it). */
  redirectVsPassport: 1.2,
  /** Signed-in GET /me and GET /: at least this share of the bare server's rate... */
  pageVsBare: 0.25,
  /** ...and this many times every conventional peer's. */
  pageVsPeer: 1.2,
};

type Cell = { value: number; errors: number } | undefined;

/** One measure: each engine's figure with its ratio to the reference, and whether it meets. */
interface Measure {
  label: string;
  sqlite: Cell;
  postgres: Cell;
  reference: Cell;
  /** ours / reference → met? (undefined: no target, just the ratio) */
  target?: { text: string; met: (ratio: number) => boolean };
  /** The figure's unit in the cells; ratios are ours / reference. */
  digits?: (n: number) => string;
}

const x = (n: number) => `${f2(n)}×`;
const pct = (n: number) => `${(100 * n).toFixed(0)} %`;

function cell(m: Measure, ours: Cell, ratioText: (r: number) => string): string {
  if (!ours || !m.reference) return '';
  return `${(m.digits ?? f0)(ours.value)} (${ratioText(ours.value / m.reference.value)})`;
}

function mark(m: Measure, ours: Cell): string {
  if (!m.target || !ours || !m.reference) return '–';
  const clean = ours.errors === 0 && m.reference.errors === 0;
  return clean && m.target.met(ours.value / m.reference.value) ? 'yes' : 'NO';
}

const rate = (s: TargetStats | PageStats | undefined): Cell =>
  s && { value: s.perSecond, errors: s.errors };
const cpu = (s: TargetStats | PageStats | undefined): Cell =>
  s && { value: s.serverCpuMicros, errors: s.errors };

function pageMeasures(path: string, c: PageComparison): Measure[] {
  const pg = c.postgres?.oneInstance;
  const vsPeer = (peer: PageStats | undefined, name: string): Measure[] =>
    peer
      ? [
          {
            label: `  …vs ${name} (req/s)`,
            sqlite: rate(c.app),
            postgres: rate(pg),
            reference: rate(peer),
            target: { text: `≥ ${x(ISSUE_23.pageVsPeer)}`, met: (r) => r >= ISSUE_23.pageVsPeer },
          },
          {
            label: `  CPU per request µs vs ${name}`,
            sqlite: cpu(c.app),
            postgres: cpu(pg),
            reference: cpu(peer),
          },
        ]
      : [];
  return [
    {
      label: `signed-in GET ${path} req/s vs bare node:http`,
      sqlite: rate(c.app),
      postgres: rate(pg),
      reference: rate(c.limit),
      target: { text: `≥ ${pct(ISSUE_23.pageVsBare)}`, met: (r) => r >= ISSUE_23.pageVsBare },
    },
    ...vsPeer(c.peers?.session, 'express-session + SQLite store'),
    ...vsPeer(c.peers?.passport, 'Passport'),
  ];
}

function measures(r: Results): Measure[] {
  const list: Measure[] = [];
  const t = r.throughput;
  if (t) {
    list.push({
      label: 'CPU per popup sign-in µs vs limit server',
      sqlite: cpu(t.app),
      postgres: cpu(t.postgres?.oneInstance),
      reference: cpu(t.limit),
      target: {
        text: `≤ ${x(ISSUE_23.signInCpuVsLimit)}`,
        met: (ratio) => ratio <= ISSUE_23.signInCpuVsLimit,
      },
    });
    if (t.sessionPeer) {
      list.push(
        {
          label: 'popup sign-ins/s vs express-session + SQLite store',
          sqlite: rate(t.app),
          postgres: rate(t.postgres?.oneInstance),
          reference: rate(t.sessionPeer),
        },
        {
          label: '  CPU per sign-in µs vs express-session + SQLite store',
          sqlite: cpu(t.app),
          postgres: cpu(t.postgres?.oneInstance),
          reference: cpu(t.sessionPeer),
        },
      );
    }
  }
  const d = r.redirect;
  if (d) {
    list.push(
      {
        label: 'redirect sign-ins/s vs Passport',
        sqlite: rate(d.app),
        postgres: rate(d.postgres),
        reference: rate(d.passport),
        target: {
          text: `≥ ${x(ISSUE_23.redirectVsPassport)}`,
          met: (ratio) => ratio >= ISSUE_23.redirectVsPassport,
        },
      },
      {
        label: '  CPU per redirect sign-in µs vs Passport',
        sqlite: cpu(d.app),
        postgres: cpu(d.postgres),
        reference: cpu(d.passport),
        target: { text: '< 1.00×', met: (ratio) => ratio < 1 },
      },
    );
  }
  if (r.signedIn) {
    list.push(...pageMeasures('/me', r.signedIn.me), ...pageMeasures('/', r.signedIn.home));
  }
  return list;
}

/** The section: issue 23's measures, or none when no phase with a peer ran. */
export function peersSection(r: Results): string[] {
  const list = measures(r);
  if (list.length === 0) return [];
  // A SQLite-only run (--engines sqlite) has no PostgreSQL column.
  const withPg = list.some((m) => m.postgres);
  const header = [
    'issue 23 (ours / reference)',
    'SQLite',
    ...(withPg ? ['PostgreSQL'] : []),
    'reference',
    'target',
    withPg ? 'met (SQLite / PG)' : 'met',
  ];
  const rows = list.map((m) => {
    const ratioText = m.label.includes('vs bare') ? pct : x;
    const met = withPg
      ? `${mark(m, m.sqlite)} / ${m.postgres ? mark(m, m.postgres) : '–'}`
      : mark(m, m.sqlite);
    return [
      m.label,
      cell(m, m.sqlite, ratioText),
      ...(withPg ? [cell(m, m.postgres, ratioText)] : []),
      m.reference ? f0(m.reference.value) : '',
      m.target?.text ?? '',
      m.target ? met : '',
    ];
  });
  return [
    '',
    'Issue 23: the app next to the limit server and the conventional peers, same rounds' +
      (withPg ? ' (PostgreSQL: one instance)' : '') +
      '. Each cell: ours (ours / reference).',
    '',
    markdownTable([header, ...rows]),
  ];
}
