import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimNonce, deriveNonceKeys, issueNonce, NONCE_TTL_MS } from '../../src/signin/nonce.js';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import type { StateLedger } from '../../src/storage/state-ledger.js';
import { createSqliteStateLedger } from '../../src/storage/sqlite/state-ledger.js';

const SECRET = 'nonce-test-secret-0123456789abcdef';
const T0 = 1_800_000_000_000;
/** The binding cookie of the browser that asked for the nonce. */
const BROWSER = 'A'.repeat(43);

let dir: string;
let db: SqliteDatabase;
let ledger: StateLedger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gconnect-nonce-'));
  db = openDatabase(join(dir, 'app.db'), { busyTimeoutMs: 1000 });
  ledger = createSqliteStateLedger(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const refused = { status: 401, publicMessage: 'Invalid ID token.' };

describe('ID-token nonces: MACed, single use in the shared ledger, 10 minutes', () => {
  it('when another instance with the same secrets checks it, then it is accepted once, then refused', async () => {
    const nonce = issueNonce(deriveNonceKeys([SECRET]), T0, BROWSER);
    const otherInstance = deriveNonceKeys([SECRET]);
    await expect(
      claimNonce(otherInstance, nonce, T0 + 1000, ledger, BROWSER),
    ).resolves.toBeUndefined();
    await expect(
      claimNonce(otherInstance, nonce, T0 + 2000, ledger, BROWSER),
    ).rejects.toMatchObject(refused);
  });

  it('when the secrets rotate (new first, old kept), then a nonce of the old secret still verifies', async () => {
    const nonce = issueNonce(deriveNonceKeys([SECRET]), T0, BROWSER);
    const rotated = deriveNonceKeys(['a-brand-new-secret-0123456789abcdef', SECRET]);
    await expect(claimNonce(rotated, nonce, T0, ledger, BROWSER)).resolves.toBeUndefined();
  });

  it('when it was MACed with another secret, or altered, then it is refused', async () => {
    const keys = deriveNonceKeys([SECRET]);
    const foreign = issueNonce(deriveNonceKeys(['another-secret-0123456789abcdefgh']), T0, BROWSER);
    await expect(claimNonce(keys, foreign, T0, ledger, BROWSER)).rejects.toMatchObject(refused);
    const [random, expires, tag] = issueNonce(keys, T0, BROWSER).split('.');
    const longer = `${random}.${Number(expires) + 60_000}.${tag}`;
    await expect(claimNonce(keys, longer, T0, ledger, BROWSER)).rejects.toMatchObject(refused);
  });

  it('when its 10 minutes are over, then it is refused; just before, it is accepted', async () => {
    const keys = deriveNonceKeys([SECRET]);
    const late = issueNonce(keys, T0, BROWSER);
    await expect(claimNonce(keys, late, T0 + NONCE_TTL_MS, ledger, BROWSER)).rejects.toMatchObject(
      refused,
    );
    const inTime = issueNonce(keys, T0, BROWSER);
    await expect(
      claimNonce(keys, inTime, T0 + NONCE_TTL_MS - 1, ledger, BROWSER),
    ).resolves.toBeUndefined();
  });

  it("when it comes back with another browser's binding cookie or none, then it is refused and not used up", async () => {
    const keys = deriveNonceKeys([SECRET]);
    const nonce = issueNonce(keys, T0, BROWSER);
    await expect(claimNonce(keys, nonce, T0, ledger, 'B'.repeat(43))).rejects.toMatchObject(
      refused,
    );
    await expect(claimNonce(keys, nonce, T0, ledger, undefined)).rejects.toMatchObject(refused);
    await expect(claimNonce(keys, nonce, T0, ledger, BROWSER)).resolves.toBeUndefined();
  });

  it('when it is missing, malformed or absurdly long, then it is refused', async () => {
    const keys = deriveNonceKeys([SECRET]);
    for (const bad of [undefined, 42, '', 'a.b', 'a.b.c.d', 'a.notanumber.c', 'x'.repeat(200)]) {
      await expect(claimNonce(keys, bad, T0, ledger, BROWSER)).rejects.toMatchObject(refused);
    }
  });
});
