// @ts-check
import base from './stryker.config.mjs';

/**
 * `npm run test:mutation:http-fetch`: gaxios's fetch (`src/google/http-fetch.ts`) against the
 * tests written for it (`mutation/vitest.stryker-http-fetch.config.ts`). `npm run test:mutation` leaves
 * this file out: under the whole suite, each of its mutants reruns every HTTP suite.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  ...base,
  vitest: { configFile: 'mutation/vitest.stryker-http-fetch.config.ts' },
  mutate: ['src/google/http-fetch.ts'],
  incrementalFile: 'reports/stryker-incremental-http-fetch.json',
  htmlReporter: { fileName: 'reports/mutation/http-fetch.html' },
  jsonReporter: { fileName: 'reports/mutation/http-fetch.json' },
};

export default config;
