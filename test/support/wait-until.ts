import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` until it holds (a truthy value, returned) or `timeoutMs` passes (an error
 * naming `what`). For waiting on another process or server, never a fixed sleep.
 */
export async function waitUntil<T>(
  what: string,
  condition: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 20 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(intervalMs);
  }
}
