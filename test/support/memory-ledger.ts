import type { StateLedger } from '../../src/storage/state-ledger.js';

/** A StateLedger in memory that also records each claim, for unit tests of its callers. */
export interface MemoryLedger extends StateLedger {
  readonly claims: { key: string; expiresAtMs: number }[];
}

export function createMemoryLedger(): MemoryLedger {
  const claims: { key: string; expiresAtMs: number }[] = [];
  return {
    claims,
    claim: (key, expiresAtMs) => {
      const first = !claims.some((c) => c.key === key);
      if (first) claims.push({ key, expiresAtMs });
      return Promise.resolve(first);
    },
    prune: () => Promise.resolve(),
  };
}
