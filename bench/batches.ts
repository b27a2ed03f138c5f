/** Splitting a number of sign-ins into batches, so several targets can take turns. */

/**
 * `total` split into `count` batches as even as possible (the larger ones first), each at
 * least 1: fewer batches when `total` is smaller than `count`, none for 0.
 */
export function batchSizes(total: number, count: number): number[] {
  const batches = Math.min(total, Math.max(1, count));
  const base = Math.floor(total / batches);
  const extra = total % batches;
  return Array.from({ length: batches }, (_, i) => base + (i < extra ? 1 : 0));
}
