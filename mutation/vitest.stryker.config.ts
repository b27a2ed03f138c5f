import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../vitest.config.js';

/**
 * Runs the quickest test files first. Stryker stops a mutant's run at the first failing test,
 * so a unit test that kills it in milliseconds saves starting the HTTP suites' servers.
 */
class FastestFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (spec: TestSpecification): number => {
      const key = `${spec.project.name}:${spec.moduleId.slice(this.ctx.config.root.length + 1)}`;
      // Files without a recorded run go last.
      return this.ctx.cache.getFileTestResults(key)?.duration ?? Infinity;
    };
    return Promise.resolve([...files].sort((a, b) => cost(a) - cost(b)));
  }
}

/**
 * The unit and integration suite as Stryker runs it (`npm run test:mutation`): the same tests as
 * `npm test` (browser tests are *.e2e.ts and not included), quickest first.
 */
export default mergeConfig(
  base,
  defineConfig({
    // The repository root, not this folder: the test paths and Stryker's are from there.
    root: fileURLToPath(new URL('..', import.meta.url)),
    test: {
      exclude: ['**/node_modules/**', 'test/e2e/**', '**/*.e2e.ts'],
      sequence: { sequencer: FastestFirstSequencer },
    },
  }),
);
