/**
 * Failed sign-in attempts per client address and fixed window (the rate limiter's memory).
 * In a table, so every instance on one database shares the count.
 *
 * An attempt is reserved before Google is called and counts as failed until it is given back:
 * a burst of concurrent attempts cannot all pass a count read before any of them failed.
 */
export interface FailedSignInCounter {
  /** Failures (and attempts still in flight) of `clientKey` in the window at `windowStart` (ms). */
  count(clientKey: string, windowStart: number): Promise<number>;
  /**
   * Takes one of the client's `limit` attempts in one atomic statement: true when the count was
   * under `limit` (it is now one higher), false when it was not (nothing written).
   */
  reserve(clientKey: string, windowStart: number, limit: number): Promise<boolean>;
  /** Gives back an attempt `reserve` took (it did not fail); never below zero. */
  release(clientKey: string, windowStart: number): Promise<void>;
  /** Forgets windows that started before `windowStart`. */
  prune(windowStart: number): Promise<void>;
}
