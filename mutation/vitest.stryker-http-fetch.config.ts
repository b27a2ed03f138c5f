import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The tests that `npm run test:mutation:http-fetch` holds `src/google/http-fetch.ts` to: the files
 * written for it. Every HTTP suite also goes through it (each call to Google does), so under the
 * whole suite each of its mutants would restart every server, and a mutant that hangs a request
 * would hang them all; its own tests must kill its mutants on their own.
 */
export default defineConfig({
  // The repository root, not this folder: the paths below and Stryker's are from there.
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: [
      'test/google/http-fetch.test.ts',
      'test/google/http-fetch-responses.test.ts',
      'test/google/google-transporter.test.ts',
    ],
    environment: 'node',
    pool: 'forks',
  },
});
