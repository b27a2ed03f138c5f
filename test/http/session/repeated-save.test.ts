/**
 * A sign-in saves its new session before answering, and express-session saves it again as the
 * response ends (it cannot tell a session saved after a regenerate). The second save of the
 * unchanged session writes nothing (test/storage/session-writes.test.ts) and, issue 23, costs no
 * more than the comparison: the row's JSON (the data, stringified) is not built for it.
 */
import type { SessionData } from 'express-session';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TableSessionStore } from '../../../src/http/session/table-session-store.js';
import type { SessionTable } from '../../../src/storage/session-table.js';

const NOW = 1_800_000_000_000;

function fakeTable() {
  const writes: string[] = [];
  const table = {
    write: (sid: string, sess: string) => {
      writes.push(`write ${sid} ${sess.length}`);
      return Promise.resolve();
    },
    update: (sid: string) => {
      writes.push(`update ${sid}`);
      return Promise.resolve();
    },
  } as unknown as SessionTable;
  return { table, writes };
}

function save(store: TableSessionStore, sid: string, sess: SessionData): Promise<void> {
  return new Promise((resolve, reject) =>
    store.set(sid, sess, (err) => (err instanceof Error ? reject(err) : resolve())),
  );
}

describe('a repeated save of an unchanged session', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when a request saves its unchanged session a second time, then nothing is written and only the comparison is serialized', async () => {
    const { table, writes } = fakeTable();
    const store = new TableSessionStore(table, { now: () => NOW, pruneIntervalMs: 0 });
    const sess = {
      cookie: { expires: new Date(NOW + 60_000), originalMaxAge: 60_000 },
      userId: 7,
      signedInAt: NOW,
    } as unknown as SessionData;
    await save(store, 'sid-1', sess);
    expect(writes).toEqual([expect.stringMatching(/^write sid-1 /)]);
    const stringify = vi.spyOn(JSON, 'stringify');
    await save(store, 'sid-1', sess);
    expect(writes).toHaveLength(1);
    // The comparison's one stringify; the row's JSON (a second one) is not built for nothing.
    expect(stringify).toHaveBeenCalledTimes(1);
  });
});
