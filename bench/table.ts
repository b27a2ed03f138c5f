/** Number cells and Markdown tables for the reports. */

/** A number with 0, 1 or 2 decimals; '–' for a missing or infinite one. */
export const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** A Markdown table: the first row is the header, the first column left-aligned, others right. */
export function markdownTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w, c) => (c === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
