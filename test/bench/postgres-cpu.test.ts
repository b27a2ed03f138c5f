import { describe, expect, it } from 'vitest';
import { cpuBetween } from '../../bench/postgres.js';

describe('bench: PostgreSQL CPU between two snapshots', () => {
  it('adds up each process’s growth, counts a new backend in full and leaves an exited one out', () => {
    const before = new Map([
      [10, 1_000], // postmaster
      [11, 5_000], // a backend that keeps running
      [12, 7_000], // a backend the pool closes meanwhile
    ]);
    const after = new Map([
      [10, 1_100],
      [11, 5_400],
      [13, 300], // a backend opened meanwhile
    ]);
    expect(cpuBetween(before, after)).toBe(100 + 400 + 300);
  });
});
