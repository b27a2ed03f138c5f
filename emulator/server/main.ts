/**
 * Runs the Google emulator on its own: `node --import tsx emulator/server/main.ts`.
 * Environment: EMULATOR_PORT (4000), EMULATOR_HOST (127.0.0.1), GOOGLE_CLIENT_ID and
 * GOOGLE_CLIENT_SECRET (default: the dev client), EMULATOR_DELAY_MS (0),
 * EMULATOR_ACCESS_TOKEN_SECONDS (3599: access tokens' lifetime).
 */
import { readEmulatorEnv } from './cli-config.js';
import { createEmulator, type Emulator } from './emulator.js';
import { explainListenError } from './listen-error.js';

function describe(emulator: Emulator, client: { clientId: string; clientSecret: string }): string {
  const accounts = emulator.accounts.map(
    (a) =>
      `    ${a.name} <${a.email}>${a.emailVerified ? '' : ' (email not verified)'}${a.hd ? ` hd=${a.hd}` : ''}  sub=${a.sub}`,
  );
  return [
    `Google emulator listening at ${emulator.url}`,
    `  GOOGLE_EMULATOR_URL=${emulator.url}`,
    `  client_id: ${client.clientId}`,
    // The emulator's secret is not a credential of anything real: the app must be given this one.
    `  client_secret: ${client.clientSecret}   (GOOGLE_CLIENT_SECRET for the app)`,
    `  GSI script: ${emulator.url}/gsi/client`,
    '  test accounts:',
    ...accounts,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = readEmulatorEnv(process.env);
  const emulator = await createEmulator(options).catch((err: unknown) => {
    throw explainListenError(err, options);
  });
  const client = options.clients[0] ?? { clientId: '', clientSecret: '' };
  process.stdout.write(describe(emulator, client));
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
