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
const nextAccount = () => {
  const account = accounts[next++ % accounts.length];
  if (!account) throw new Error('no accounts');
  return account;
};
serveParent(
  {
    // The redirect flow: the code the consent page would send to the authorization request's
    // redirect_uri, bound to its PKCE challenge and nonce, as the real flow binds it.
    redirectCode: ({ url }) => {
      const q = new URL(String(url)).searchParams;
      return emulator.issueCode({
        account: nextAccount().sub,
        clientId: BENCH_CLIENT.clientId,
        redirectUri: q.get('redirect_uri') ?? '',
        scope: q.get('scope') ?? undefined,
        nonce: q.get('nonce') ?? undefined,
        codeChallenge: q.get('code_challenge') ?? undefined,
        codeChallengeMethod: (q.get('code_challenge_method') ?? undefined) as 'S256' | undefined,
        accessType: (q.get('access_type') ?? undefined) as 'online' | 'offline' | undefined,
        prompt: q.get('prompt') ?? undefined,
      });
    },
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
