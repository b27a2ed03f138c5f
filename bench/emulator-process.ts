/**
 * The Google emulator in its own process, so its work does not share the event loop of the
 * server under test; the app and the limit server both talk to it the same way. Codes are handed
 * to the load client in batches over IPC, as the consent popup would hand them to browsers.
 * Environment: BENCH_DELAY_MS (latency added to each Google call), BENCH_ACCOUNTS.
 */
import { createEmulator } from '../emulator/server/emulator.js';
import { BENCH_CLIENT, benchAccounts } from './accounts.js';
import { serveParent } from './ipc.js';

const accounts = benchAccounts(Number(process.env.BENCH_ACCOUNTS ?? 300));
const emulator = await createEmulator({
  clients: [BENCH_CLIENT],
  accounts,
  delayMs: Number(process.env.BENCH_DELAY_MS ?? 0),
  // One RSA signature per account instead of one per sign-in: the emulator is not under test.
  reuseIdTokens: true,
});

let next = 0;
serveParent(
  {
    codes: ({ n }) =>
      Array.from({ length: Number(n) }, () => {
        const account = accounts[next++ % accounts.length];
        if (!account) throw new Error('no accounts');
        return emulator.issueCode({ account: account.sub, clientId: BENCH_CLIENT.clientId });
      }),
  },
  { url: emulator.url },
);
process.once('SIGTERM', () => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
