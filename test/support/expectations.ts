/**
 * What the conformance and security suites mean by "refused": the status and JSON-string message,
 * no new user row, no new signed-in session, and this client anonymous.
 */
import type Database from 'better-sqlite3';
import supertest from 'supertest';
import { expect } from 'vitest';
import { snapshot, type Snapshot } from './database.js';
import type { Agent, Harness } from './harness.js';

export async function expectRefused(
  res: supertest.Response,
  expected: { status: number; message: string },
  agent: Agent,
  db: Database.Database,
  before: Snapshot,
): Promise<void> {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: expected.status,
    body: expected.message,
  });
  expect(String(res.headers['content-type'])).toMatch(/application\/json/);
  expect(snapshot(db)).toEqual(before);
  await agent.get('/me').expect(401, { error: 'Not signed in.' });
}

/** After a refusal: nobody signed in on this client, and no user row written. */
export async function expectNothingChanged(
  h: Pick<Harness, 'userRows'>,
  agent: Agent,
  rowsBefore: number,
): Promise<void> {
  await agent.get('/me').expect(401, { error: 'Not signed in.' });
  expect(h.userRows()).toHaveLength(rowsBefore);
}

export function expectHarnessHealthy(h: Pick<Harness, 'url'>) {
  return supertest(h.url).get('/healthz').expect(200, { status: 'ok' });
}

/** Log lines of level error (500s): the suites require none for hostile input. */
export function errorLogs(logs: string[]): string[] {
  return logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}
