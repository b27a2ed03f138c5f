import { describe, expect, it } from 'vitest';
import { batchSizes } from '../../bench/batches.js';

describe('bench: batchSizes', () => {
  it('splits the sign-ins into even batches that add up to the total', () => {
    expect(batchSizes(100_000, 4)).toEqual([25_000, 25_000, 25_000, 25_000]);
    expect(batchSizes(10, 4)).toEqual([3, 3, 2, 2]);
  });

  it('makes fewer batches than asked when there are fewer sign-ins, and none for 0', () => {
    expect(batchSizes(2, 4)).toEqual([1, 1]);
    expect(batchSizes(0, 4)).toEqual([]);
  });
});
