// @ts-check
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';
import base from './stryker.config.mjs';

/**
 * `npm run test:mutation:recheck`: reruns the survivors of a `npm run test:mutation` report that
 * Stryker could not test fairly, this time against every test.
 *
 * With `ignoreStatic`, a mutant in code that runs both while a suite builds its app (in
 * `beforeAll`, outside any test) and inside some test is "hybrid": Stryker runs only the tests it
 * saw reach the code, with the mutant switched on only while they run, so the app those suites
 * built at start never has it. Cookie flags, the CSP and middleware options are such code; the
 * tests that check them build their app in `beforeAll`. Here each such survivor gets a fresh
 * process with the mutant in place from the start, and every test (no coverage analysis).
 *
 * The report is `reports/mutation/mutation.json`, or the file named by STRYKER_RECHECK_REPORT.
 */
const reportFile = process.env.STRYKER_RECHECK_REPORT ?? 'reports/mutation/mutation.json';
if (!existsSync(reportFile)) {
  throw new Error(`No report at ${reportFile}: run npm run test:mutation first`);
}

/**
 * `file:first-last` lines of each survivor that had static coverage.
 * @param {string} file
 */
function hybridSurvivorLines(file) {
  /** @type {{ files: Record<string, { mutants: { status: string, static?: boolean, location: { start: { line: number }, end: { line: number } } }[] }> }} */
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const lines = new Set();
  for (const [path, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (mutant.static && (mutant.status === 'Survived' || mutant.status === 'NoCoverage')) {
        // The whole span: Stryker takes only the mutants that lie entirely within a range.
        lines.add(`${path}:${mutant.location.start.line}-${mutant.location.end.line}`);
      }
    }
  }
  return [...lines].sort();
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  ...base,
  mutate: hybridSurvivorLines(reportFile),
  coverageAnalysis: 'off',
  ignoreStatic: false,
  incremental: false,
  htmlReporter: { fileName: 'reports/mutation/recheck.html' },
  jsonReporter: { fileName: 'reports/mutation/recheck.json' },
};

export default config;
