/**
 * Cross-Account Protection over real HTTP, for the RISC suites: the emulator signs Security Event
 * Tokens and pushes them to the app's POST /risc, as Google does once the receiver is registered.
 */
import { expect } from 'vitest';
import { updateStream, type ServiceAccountKey } from '../../src/risc/register-receiver.js';
import type { Harness } from './harness.js';

export interface Delivery {
  statuses: number[];
}

/** A fresh service-account key from the emulator's RISC API. */
export async function serviceAccount(h: Harness): Promise<ServiceAccountKey> {
  const res = await fetch(`${h.emulator.url}/emulator/risc/service-account`, { method: 'POST' });
  return (await res.json()) as ServiceAccountKey;
}

/** Registers the app's /risc as the receiver of the emulator's events. */
export async function registerReceiver(h: Harness): Promise<void> {
  await updateStream(
    { key: await serviceAccount(h), apiBase: h.emulator.url, timeoutMs: 5000 },
    `${h.url}/risc`,
  );
}

/** Has the emulator sign and deliver `event`; the statuses the app answered each delivery with. */
export async function emitEvent(h: Harness, event: Record<string, unknown>): Promise<Delivery> {
  const res = await fetch(`${h.emulator.url}/emulator/risc/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Delivery;
}

/** The signed-in account's email, or undefined when signed out. */
export async function signedInAs(
  agent: ReturnType<Harness['client']>,
): Promise<string | undefined> {
  const res = await agent.get('/me');
  return res.status === 200 ? (res.body as { email: string }).email : undefined;
}

/** How many log lines carry `message`. */
export function loggedEvents(h: Harness, message: string): number {
  return h.logs.filter((l) => (JSON.parse(l) as { msg?: string }).msg === message).length;
}

/**
 * The app's clock ahead of Google's, for one suite: `pastRefetchRation` moves it past the
 * receiver's one-refetch-a-minute ration and the key set's ten-minute life, whatever an earlier
 * test (in any order) spent them on: each call goes further ahead than the clock ever was before.
 * The harness puts the clock back after each test; call `reset` in the suite's afterEach.
 */
export class ClockAhead {
  private aheadMs = 0;
  private furthestMs = 0;

  constructor(private readonly advanceClock: (ms: number) => void) {}

  advance(ms: number): void {
    this.aheadMs += ms;
    this.advanceClock(ms);
  }

  pastRefetchRation(): void {
    this.furthestMs = Math.max(this.furthestMs, this.aheadMs) + 11 * 60_000;
    this.advance(this.furthestMs - this.aheadMs);
  }

  reset(): void {
    this.aheadMs = 0;
  }
}
