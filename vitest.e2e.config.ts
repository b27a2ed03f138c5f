import { defineConfig } from 'vitest/config';

/** End-to-end tests in headless Chromium: `npm run test:e2e`. Kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    // One browser at a time: each file starts Chromium, the app and the emulator.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
