/**
 * Cross-Account Protection when Google rotates its signing key or its key set cannot be read.
 * These tests rotate the emulator's key, which also signs ID tokens: they have an app of their
 * own, so a rotation cannot meet another suite's sign-in inside the ID-token key cache's
 * one-refetch-a-minute ration (two rotations within a minute of the app's clock would).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../../emulator/server/emulator.js';
import type { Harness } from '../../support/harness.js';
import {
  ClockAhead,
  emitEvent,
  loggedEvents,
  registerReceiver,
  signedInAs,
} from '../../support/risc.js';
import { signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';

let h: Harness;
let ahead: ClockAhead;
useHarness({}, (s) => {
  h = s.h;
  ahead = new ClockAhead((ms) => s.advanceClock(ms));
});
beforeEach(() => registerReceiver(h));
afterEach(() => ahead.reset());
const emit = (event: Record<string, unknown>) => emitEvent(h, event);

describe('when Google rotates its key', () => {
  it('then an event signed with the new key costs one refetch and is applied', async () => {
    const agent = h.client();
    await signInOk(h, agent, 'alice@example.com');
    await emit({ type: 'verification', state: 'warm' });
    ahead.pastRefetchRation();
    await h.emulator.rotateKey();
    h.emulator.resetCalls();
    expect(await emit({ type: 'sessions-revoked', account: 'alice@example.com' })).toEqual({
      statuses: [202],
    });
    expect(h.emulator.calls('certs')).toHaveLength(1);
    expect(await signedInAs(agent)).toBeUndefined();
  });
});

describe("when Google's key set cannot be read", () => {
  const faults: [string, Fault][] = [
    ['a 500', { kind: 'status', status: 500 }],
    [
      'a page that is not JSON',
      { kind: 'status', status: 200, body: '<html>', contentType: 'text/html' },
    ],
    ['JSON that is not a JWK Set', { kind: 'status', status: 200, body: { keys: 'none' } }],
    ['a dropped connection', { kind: 'reset' }],
    ['no answer before the deadline', { kind: 'hang', ms: 30_000 }],
  ];
  it.each(faults)(
    'then with %s the last good set still verifies, a key not yet read gets 503 (Google delivers again), and once the set can be read the event is applied',
    async (name, fault) => {
      await emit({ type: 'verification', state: 'warm' });
      ahead.pastRefetchRation(); // the set is due for its scheduled reload
      h.emulator.inject('certs', fault, { times: 2 });
      h.emulator.resetCalls();
      const kept = `kept ${name}`;
      expect(await emit({ type: 'verification', state: kept })).toEqual({ statuses: [202] });
      expect(h.emulator.calls('certs')).toHaveLength(1);
      expect(h.logs.some((l) => l.includes(kept))).toBe(true);

      await h.emulator.rotateKey();
      const refused = loggedEvents(h, 'RISC event refused');
      const later = `later ${name}`;
      expect(await emit({ type: 'verification', state: later })).toEqual({ statuses: [503] });
      expect(h.logs.some((l) => l.includes(later))).toBe(false);
      expect(loggedEvents(h, 'RISC event refused')).toBe(refused);

      h.emulator.clearFaults();
      ahead.pastRefetchRation();
      expect(await emit({ type: 'verification', state: later })).toEqual({ statuses: [202] });
      expect(h.logs.some((l) => l.includes(later))).toBe(true);
    },
  );
});
