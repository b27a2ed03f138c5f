import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own emulator and database on port 0, so files can run in parallel.
    pool: 'forks',
    // One throwaway PostgreSQL cluster for the run; each file creates its own database in it.
    // And a folder of the run's own, where the files testing dist/ agree on one build of it.
    globalSetup: ['test/support/pg-global-setup.ts', 'test/support/build-global-setup.ts'],
  },
});
