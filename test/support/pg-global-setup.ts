/**
 * vitest globalSetup: one PostgreSQL cluster for the whole run (TEST_DATABASE_URL instead, if
 * set), whose admin URL the test files get through inject('pgAdminUrl'); each file then makes
 * its own database (createTestDatabase), so files running in parallel never share rows.
 */
import type { TestProject } from 'vitest/node';
import { startPgCluster } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL the tests may CREATE DATABASE through. */
    pgAdminUrl: string;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('pgAdminUrl', given);
    return undefined;
  }
  const cluster = startPgCluster();
  project.provide('pgAdminUrl', cluster.urlFor('postgres'));
  return () => cluster.destroy();
}
