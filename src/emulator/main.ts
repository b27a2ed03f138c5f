/**
 * Runs the Google emulator on its own: `node --import tsx src/emulator/main.ts`.
 * Environment: EMULATOR_PORT (4000), EMULATOR_HOST (127.0.0.1), GOOGLE_CLIENT_ID and
 * GOOGLE_CLIENT_SECRET (default: the dev client), EMULATOR_DELAY_MS (0),
 * EMULATOR_ACCESS_TOKEN_SECONDS (3599: access tokens' lifetime).
 */
import { readEmulatorEnv } from './cli-config.js';
import { createEmulator, type Emulator } from './emulator.js';

function describe(emulator: Emulator, clientId: string): string {
  const accounts = emulator.accounts.map(
    (a) =>
      `    ${a.name} <${a.email}>${a.emailVerified ? '' : ' (email not verified)'}${a.hd ? ` hd=${a.hd}` : ''}  sub=${a.sub}`,
  );
  return [
    `Google emulator listening at ${emulator.url}`,
    `  GOOGLE_EMULATOR_URL=${emulator.url}`,
    `  client_id: ${clientId}`,
    `  GSI script: ${emulator.url}/gsi/client`,
    '  test accounts:',
    ...accounts,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = readEmulatorEnv(process.env);
  const emulator = await createEmulator(options);
  process.stdout.write(describe(emulator, options.clients[0]?.clientId ?? ''));
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
