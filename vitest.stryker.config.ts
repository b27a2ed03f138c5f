import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The unit and integration suite as Stryker runs it (`npm run test:mutation`): the same tests as
 * `npm test`, minus anything that drives Chromium, which is slow and proves nothing about the
 * mutated server modules that the HTTP tests do not already prove.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['**/node_modules/**', 'test/e2e/**', '**/*.e2e.ts', 'test/emulator-popup.test.ts'],
    },
  }),
);
