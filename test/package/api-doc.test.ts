// docs/api.md names every option with its default and variable, as settings.ts declares them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '../../src/config/settings.js';

const DOC = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

describe('docs/api.md', () => {
  const settings = Object.values(SETTINGS) as Setting<unknown>[];

  it.each(settings.filter((s) => s.option !== undefined).map((s) => [s.option!, s]))(
    'when %s is an option, then its row names it, its variable and its default',
    (option, setting) => {
      const row = DOC.split('\n').find(
        (line) => line.startsWith('| ') && line.includes(`\`${option}\``),
      );
      expect(row, `a table row for ${option}`).toBeDefined();
      if (setting.env !== undefined && setting.env !== 'NODE_ENV')
        expect(row).toContain(setting.env);
      const fallback = setting.default;
      if (typeof fallback === 'number') expect(row).toContain(`\`${fallback}\``);
      if (typeof fallback === 'string' && option !== 'production') expect(row).toContain(fallback);
    },
  );
});
