import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabase, type ScratchDatabase } from './pg-admin.js';

export { withDatabase } from './pg-admin.js';

export type TestDatabase = ScratchDatabase;

/** A fresh, empty database on the run's cluster. */
export function createTestDatabase(adminUrl = inject('pgAdminUrl')): Promise<TestDatabase> {
  return createDatabase(adminUrl, `gconnect_test_${randomBytes(6).toString('hex')}`);
}
