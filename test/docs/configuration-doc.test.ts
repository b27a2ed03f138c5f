// docs/configuration.md lists every setting settings.ts declares: its variable, its option and
// its default, in one table row, so a setting added or renamed there cannot go undocumented.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '../../src/config/settings.js';

const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const ROWS = DOC.split('\n').filter((line) => line.startsWith('| '));

/** The default as the table writes it. */
function written(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? 'none' : `\`${value.join(',')}\``;
  if (typeof value === 'boolean') return value ? '`on`' : '`off`';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

describe('docs/configuration.md', () => {
  const settings = Object.entries(SETTINGS) as [string, Setting<unknown>][];

  it.each(settings)(
    'when settings.ts declares %s, then one row names its variable, its option and its default',
    (_key, setting) => {
      const cells = (row: string) => row.split('|').map((cell) => cell.trim());
      const row = ROWS.find((line) => {
        const [, variable, option] = cells(line);
        return (
          variable === (setting.env === undefined ? '' : `\`${setting.env}\``) &&
          option === (setting.option === undefined ? '' : `\`${setting.option}\``)
        );
      });
      expect(row, `a row for ${setting.env ?? ''} ${setting.option ?? ''}`).toBeDefined();
      const fallback = written(setting.default);
      expect(cells(row!)[3]).toBe(fallback ?? '');
    },
  );
});
