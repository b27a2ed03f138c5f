// `npm run dev`: the app and the Google emulator together, for trying it with no Google credentials.
import { ConfigError, optionsFromEnv } from '../index.js';
import { createEmulator, DEV_CLIENT, readEmulatorEnv } from '../../emulator/index.js';
import { compactLog } from '../server/compact-log.js';
import { explainListenError } from '../server/listen-error.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/start.js';

const DEV_ACCESS_TOKEN_SECONDS = 60;

async function main(): Promise<void> {
  const emulatorEnv = readEmulatorEnv({
    // Short-lived access tokens, so /account/google soon reads the profile after a refresh.
    EMULATOR_ACCESS_TOKEN_SECONDS: String(DEV_ACCESS_TOKEN_SECONDS),
    ...process.env,
  });
  const emulator = await createEmulator({ ...emulatorEnv, clients: [{ ...DEV_CLIENT }] }).catch(
    (err: unknown) => {
      throw explainListenError(err, { ...emulatorEnv, variable: 'EMULATOR_PORT' });
    },
  );
  let settings;
  try {
    settings = optionsFromEnv({
      // A feature to try "ask in context" with: the account page offers to turn it on.
      GOOGLE_FEATURES: 'calendar=https://www.googleapis.com/auth/calendar.readonly',
      ...process.env,
      GOOGLE_EMULATOR_URL: emulator.url,
      GOOGLE_CLIENT_ID: DEV_CLIENT.clientId,
      GOOGLE_CLIENT_SECRET: DEV_CLIENT.clientSecret,
    });
  } catch (err) {
    await emulator.close();
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  // Lines a person reads in a terminal, not JSON (the production server keeps pino's JSON).
  const logger = createLogger(settings.server.logLevel, compactLog(process.stdout));
  const app = await startServer(settings, { logger }).catch(async (err: unknown) => {
    await emulator.close();
    throw err;
  });
  // The app receives the emulator's security events (Cross-Account Protection), as it would
  // Google's once `npm run risc:register` has registered it.
  emulator.registerSecurityEventReceiver(`${app.url}/risc`);
  const stop = () => {
    Promise.all([app.close(), emulator.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the banner: whoever reads it may stop the process at once.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const accounts = emulator.accounts.map(
    (a) => `    ${a.email.padEnd(30)} ${a.name}${a.emailVerified ? '' : ' (email not verified)'}`,
  );
  process.stdout.write(
    [
      '',
      `  gconnect is running with the built-in Google emulator (no real Google account is used).`,
      '',
      `  Sign in:   ${app.url}/login`,
      `  Emulator:  ${emulator.url}   (GOOGLE_EMULATOR_URL)`,
      `  Client ID: ${DEV_CLIENT.clientId}`,
      `  Google access tokens live ${emulator.accessTokenLifetimeSeconds} s (EMULATOR_ACCESS_TOKEN_SECONDS): /account/google refreshes them.`,
      '',
      `  Security events (Cross-Account Protection), e.g. sign Alice out everywhere:`,
      `    curl -X POST ${emulator.url}/emulator/risc/events -H 'Content-Type: application/json' \\`,
      `      -d '{"type": "sessions-revoked", "account": "alice@example.com"}'`,
      '',
      '  Test accounts:',
      ...accounts,
      '',
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
