// @ts-check
/**
 * Mutation testing of the security-critical modules: `npm run test:mutation`. Not part of
 * `npm test`: every mutant reruns the tests that cover it, which takes minutes, not seconds.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'mutation/vitest.stryker.config.ts' },
  mutate: [
    'src/signin/**/*.ts',
    'src/google/**/*.ts',
    'src/http/**/*.ts',
    'src/storage/**/*.ts',
    // Measured against its own tests: `npm run test:mutation:http-fetch`.
    '!src/google/http-fetch.ts',
  ],
  // Run only the tests that reach a mutant, not the whole suite per mutant.
  coverageAnalysis: 'perTest',
  // The app is built in each suite's beforeAll, outside any test, so Stryker sees the code that
  // builds it (middleware options, CSP, cookie flags) as "static": each such mutant would rerun
  // the whole suite. Ignored for a run that fits in minutes; `--ignoreStatic false` runs them too.
  ignoreStatic: true,
  // The machine is small and shared; each test file also starts an emulator and a database.
  concurrency: 2,
  // A mutant that makes an HTTP test hang (a response never sent) counts as killed once it takes
  // twice the test's normal time plus 10 s; longer limits only make such mutants cost minutes.
  timeoutMS: 10_000,
  timeoutFactor: 2,
  // Reruns mutate only what changed since the last run (code or tests).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Earlier reports and other runs' sandboxes are not part of the project.
  ignorePatterns: ['reports', '.stryker-tmp*'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

export default config;
