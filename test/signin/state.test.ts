import type { Session, SessionData } from 'express-session';
import { describe, expect, it } from 'vitest';
import {
  STATE_TTL_MS,
  claimState,
  consumeState,
  issueState,
  safeEqual,
} from '../../src/signin/state.js';
import type { StateLedger } from '../../src/storage/state-ledger.js';

type StateSession = Session & Partial<SessionData>;

/** A ledger in memory that records what was claimed, with the expiry asked for. */
function memoryLedger(): StateLedger & { claims: [string, number][] } {
  const claims: [string, number][] = [];
  return {
    claims,
    claim(state, expiresAtMs) {
      const first = !claims.some(([s]) => s === state);
      claims.push([state, expiresAtMs]);
      return Promise.resolve(first);
    },
    prune: () => Promise.resolve(),
  };
}

async function reasonOf(promise: Promise<void>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({
    status: 401,
    publicMessage: 'Invalid state parameter.',
    code: 'invalid_state',
  });
  return ((err as Error).cause as Error).message;
}

const T0 = 1_700_000_000_000;
const pending = { value: 'the-state-value', createdAt: T0 };

describe('login state checks', () => {
  it('when a state is issued, then it is 256 random bits in base64url, stored in the session', () => {
    const session = {} as StateSession;
    const a = issueState(session, T0);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.loginState).toEqual({ value: a, createdAt: T0 });
    expect(issueState(session, T0 + 1)).not.toBe(a);
  });

  it('when the state matches within its life, then it is claimed until its expiry', async () => {
    const ledger = memoryLedger();
    await claimState(pending, pending.value, T0 + STATE_TTL_MS, ledger);
    expect(ledger.claims).toEqual([[pending.value, T0 + STATE_TTL_MS]]);
  });

  it('when nothing is pending or the given state is empty or not a string, then refused as missing', async () => {
    const ledger = memoryLedger();
    expect(await reasonOf(claimState(undefined, pending.value, T0, ledger))).toBe('missing');
    expect(await reasonOf(claimState(pending, '', T0, ledger))).toBe('missing');
    expect(await reasonOf(claimState(pending, [pending.value], T0, ledger))).toBe('missing');
    expect(ledger.claims).toEqual([]);
  });

  it('when the state is older than its life by 1 ms, or from the future, then refused as expired', async () => {
    const ledger = memoryLedger();
    const late = claimState(pending, pending.value, T0 + STATE_TTL_MS + 1, ledger);
    expect(await reasonOf(late)).toBe('expired');
    expect(await reasonOf(claimState(pending, pending.value, T0 - 1, ledger))).toBe('expired');
    expect(ledger.claims).toEqual([]);
  });

  it('when the given state differs, then refused as a mismatch and nothing is claimed', async () => {
    const ledger = memoryLedger();
    expect(await reasonOf(claimState(pending, 'the-state-valuf', T0, ledger))).toBe('mismatch');
    expect(ledger.claims).toEqual([]);
  });

  it('when the state was claimed before, then refused as replayed', async () => {
    const ledger = memoryLedger();
    await claimState(pending, pending.value, T0, ledger);
    expect(await reasonOf(claimState(pending, pending.value, T0, ledger))).toBe('replayed');
  });

  it('when a state is consumed, then it leaves the session whatever the outcome', async () => {
    const session = { loginState: { ...pending } } as StateSession;
    expect(await reasonOf(consumeState(session, 'wrong', T0, memoryLedger()))).toBe('mismatch');
    expect(session.loginState).toBeUndefined();
    const again = { loginState: { ...pending } } as StateSession;
    await consumeState(again, pending.value, T0, memoryLedger());
    expect(again.loginState).toBeUndefined();
  });

  it('when two strings are compared, then only equal ones are equal, whatever their lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
