import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertCache, type SigningKeys } from '../../src/google/cert-cache.js';

const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEYS: SigningKeys = { k1: publicKey };

/** A CertCache on a hand-moved clock that counts its fetches of Google's keys. */
function cacheAt(maxAgeMs: number, refetchIntervalMs: number) {
  const clock = { now: 0, fetches: 0 };
  const cache = new CertCache({
    now: () => clock.now,
    refetchIntervalMs,
    fetchKeys: () => {
      clock.fetches += 1;
      return Promise.resolve({ keys: KEYS, maxAgeMs });
    },
  });
  return { cache, clock };
}

describe("the cache of Google's signing keys, by the clock", () => {
  it('when the max-age is reached to the millisecond, then the keys are fetched again', async () => {
    const { cache, clock } = cacheAt(1000, 60_000);
    await cache.keysFor('k1');
    clock.now = 999;
    await cache.keysFor('k1');
    expect(clock.fetches).toBe(1);
    clock.now = 1000;
    await cache.keysFor('k1');
    expect(clock.fetches).toBe(2);
  });

  it('when an unknown kid comes again exactly one interval later, then it may force a refetch again', async () => {
    const { cache, clock } = cacheAt(3_600_000, 60_000);
    await cache.keysFor('k1');
    clock.now = 10;
    await cache.keysFor('rotated');
    expect(clock.fetches).toBe(2);
    clock.now = 60_009;
    await cache.keysFor('rotated');
    expect(clock.fetches).toBe(2);
    clock.now = 60_010;
    await cache.keysFor('rotated');
    expect(clock.fetches).toBe(3);
  });

  it('when the clock stepped back after a forced refetch, then an unknown kid may force one again', async () => {
    const { cache, clock } = cacheAt(3_600_000, 60_000);
    clock.now = 600_000;
    await cache.keysFor('k1');
    await cache.keysFor('rotated');
    expect(clock.fetches).toBe(2);
    clock.now = 0; // back, e.g. an NTP step
    await cache.keysFor('rotated');
    expect(clock.fetches).toBe(3);
    // ...and the interval counts from there.
    await cache.keysFor('rotated');
    expect(clock.fetches).toBe(3);
  });

  it('when a token names no kid, then the cached keys serve it without a forced refetch', async () => {
    const { cache, clock } = cacheAt(3_600_000, 60_000);
    await cache.keysFor('k1');
    clock.now = 120_000;
    expect(await cache.keysFor(undefined)).toBe(KEYS);
    expect(clock.fetches).toBe(1);
  });
});
