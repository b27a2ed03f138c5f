/**
 * The compiled package (`npm run build` into dist/), for the tests of what `npm start` and
 * `npm pack` ship. Built once per test run: the first file to ask runs the build, files asking
 * meanwhile wait for its outcome, so no build rewrites dist/ while a server runs from it. Those
 * tests then run npm with NPM_WITHOUT_BUILD, which skips `npm start`'s own prestart build.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { waitUntil } from './wait-until.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** npm's environment for `npm start` on the dist/ built here: no pre- or post-scripts. */
export const NPM_WITHOUT_BUILD = { npm_config_ignore_scripts: 'true' } as const;

/** tsc takes half a minute on a loaded machine: the hooks that build get this much. */
export const BUILD_TIMEOUT_MS = 240_000;

export async function buildDist(): Promise<void> {
  const state = inject('buildState');
  const done = join(state, 'done');
  const failed = join(state, 'failed');
  if (claim(join(state, 'lock'))) {
    try {
      await promisify(execFile)('npm', ['run', 'build', '--silent'], {
        cwd: ROOT,
        timeout: BUILD_TIMEOUT_MS,
      });
      writeFileSync(done, '');
    } catch (err) {
      writeFileSync(failed, err instanceof Error ? err.message : String(err));
      throw err;
    }
    return;
  }
  await waitUntil(
    'another test file to build dist/',
    () => {
      if (existsSync(failed))
        throw new Error(`npm run build failed: ${readFileSync(failed, 'utf8')}`);
      return existsSync(done);
    },
    { timeoutMs: BUILD_TIMEOUT_MS, intervalMs: 200 },
  );
}

/** True for the one caller that creates `dir` (mkdir is atomic across processes). */
function claim(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
