import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openReader } from './database.js';
import { sqlitePathOf, startHarness, type Harness, type HarnessOptions } from './harness.js';

/** What useHarness gives a suite once its beforeAll has run. */
export interface HarnessScope {
  readonly h: Harness;
  /** A read-only connection to the app's database, opened on first use. */
  readonly db: Database.Database;
  /** Moves the app's clock forward (e.g. past a state's life); back to real time after each test. */
  advanceClock(ms: number): void;
}

export interface UseHarnessOptions extends HarnessOptions {
  /**
   * What to undo on the emulator after each test: injected faults and recorded calls (the
   * default), the faults only, or nothing.
   */
  reset?: 'faults and calls' | 'faults' | 'nothing';
}

/**
 * One harness for the calling describe block (or file): started in beforeAll, closed in afterAll
 * (the reader first), the emulator reset after each test. `onStart` runs in that beforeAll, so a
 * suite can keep plain variables: `useHarness({}, (s) => ({ h, db } = s))`.
 *
 * Hooks of the caller that must run before the start (fake timers) go before this call; after
 * hooks run in reverse order of registration, so their afterAll then runs after the close.
 */
export function useHarness(
  options: UseHarnessOptions = {},
  onStart?: (scope: HarnessScope) => void,
): HarnessScope {
  const { reset = 'faults and calls', ...harnessOptions } = options;
  let harness: Harness | undefined;
  let reader: Database.Database | undefined;
  let offset = 0;
  const now = harnessOptions.now ?? (() => Date.now() + offset);
  const scope: HarnessScope = {
    get h() {
      if (!harness) throw new Error('useHarness: the harness starts in beforeAll');
      return harness;
    },
    get db() {
      reader ??= openReader(sqlitePathOf(scope.h.config));
      return reader;
    },
    advanceClock(ms) {
      offset += ms;
    },
  };
  beforeAll(async () => {
    harness = await startHarness({ ...harnessOptions, now });
    onStart?.(scope);
  });
  afterAll(async () => {
    reader?.close();
    await harness?.close();
  });
  afterEach(() => {
    offset = 0;
  });
  if (reset !== 'nothing') {
    afterEach(() => {
      scope.h.emulator.clearFaults();
      if (reset === 'faults and calls') scope.h.emulator.resetCalls();
    });
  }
  return scope;
}
