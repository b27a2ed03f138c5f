/**
 * How many times a request writes its session row, counted by triggers on the app's own SQLite
 * file: what a per-store contract case cannot show (express-session's own save after ours).
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { getState, issueCode } from '../support/sign-in.js';
import { createEngine, type EngineUnderTest } from '../support/storage-engines.js';

const ALICE = 'alice@example.com';

describe('session writes per request (SQLite)', () => {
  let engine: EngineUnderTest;
  let h: Harness;
  let counter: Database.Database;
  beforeAll(async () => {
    engine = await createEngine('sqlite');
    h = await startHarness({ env: { DATABASE_URL: engine.url } });
    counter = new Database(engine.url.slice('file:'.length));
    counter.exec(`
      CREATE TABLE session_writes (kind TEXT NOT NULL);
      CREATE TRIGGER count_session_inserts AFTER INSERT ON sessions
        BEGIN INSERT INTO session_writes VALUES ('insert'); END;
      CREATE TRIGGER count_session_updates AFTER UPDATE ON sessions
        BEGIN INSERT INTO session_writes VALUES ('update'); END;`);
  });
  afterAll(async () => {
    counter?.close();
    await h?.close();
    await engine?.destroy();
  });
  beforeEach(() => {
    counter.exec('DELETE FROM session_writes');
  });

  const writes = () =>
    counter
      .prepare<[], { kind: string }>('SELECT kind FROM session_writes')
      .all()
      .map((r) => r.kind);

  it('when a user signs in, then the new session is written once (saved before the welcome, not again by express-session)', async () => {
    const agent = h.client();
    const state = await getState(agent); // the anonymous session holding the state
    expect(writes()).toEqual(['insert']);
    counter.exec('DELETE FROM session_writes');
    await agent
      .post(`/gconnect?state=${encodeURIComponent(state)}`)
      .type('application/octet-stream')
      .send(issueCode(h, ALICE))
      .expect(200);
    // The anonymous session is deleted (regenerated), the signed-in one inserted: no update.
    expect(writes()).toEqual(['insert']);
  });
});
