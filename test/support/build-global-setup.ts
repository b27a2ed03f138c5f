/**
 * vitest globalSetup: a folder of this run's own (inject('buildState')) where test/support/dist.ts
 * records that dist/ was built, so the files testing the compiled package build it once per run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An empty folder for this run: dist.ts's lock and outcome files. */
    buildState: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-build-state-'));
  project.provide('buildState', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
