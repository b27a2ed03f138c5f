import type { TestAccount } from '../emulator/server/emulator.js';

/** The benchmark's client, registered in its emulator only. */
export const BENCH_CLIENT = {
  clientId: 'bench-client.apps.googleusercontent.com',
  clientSecret: 'bench-client-secret',
};

/**
 * `count` distinct Google accounts, so the upserts touch many rows rather than one hot row.
 * Subs are 21-digit numbers like Google's; pictures resolve against the emulator's own URL.
 */
export function benchAccounts(count: number): TestAccount[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(5, '0');
    const sub = `1${String(i).padStart(20, '0')}`;
    return {
      sub,
      email: `bench-${n}@example.com`,
      emailVerified: i % 10 !== 0,
      name: `Bench User ${n}`,
      givenName: 'Bench',
      familyName: `User ${n}`,
      picture: `/avatars/${sub}.svg`,
    };
  });
}
