/**
 * npm run risc:register -- --key-file sa.json --receiver-url https://app.example.com/risc
 * Registers this server's Cross-Account Protection receiver with Google (or the emulator named by
 * GOOGLE_EMULATOR_URL), asks for a verification event, and prints the stream's status.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  GOOGLE_RISC_API,
  streamStatus,
  updateStream,
  verifyStream,
  type ServiceAccountKey,
} from '../risc/register-receiver.js';

const USAGE = `usage: npm run risc:register -- --key-file FILE --receiver-url URL [--status-only]
  --key-file      a Google Cloud service-account key (JSON) with the RISC Configuration Admin role
  --receiver-url  this server's public https URL ending in /risc
  --status-only   print the stream status and change nothing
GOOGLE_EMULATOR_URL points the calls at the emulator instead of ${GOOGLE_RISC_API}.`;

function readKey(path: string): ServiceAccountKey {
  const key = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServiceAccountKey>;
  if (!key.client_email || !key.private_key || !key.private_key_id) {
    throw new Error(
      `${path} is not a service-account key file (client_email, private_key, private_key_id)`,
    );
  }
  return key as ServiceAccountKey;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'key-file': { type: 'string' },
      'receiver-url': { type: 'string' },
      'status-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const keyFile = values['key-file'];
  const receiverUrl = values['receiver-url'];
  if (!keyFile || (!receiverUrl && !values['status-only'])) throw new Error(USAGE);
  const options = {
    key: readKey(keyFile),
    apiBase: process.env.GOOGLE_EMULATOR_URL || GOOGLE_RISC_API,
    timeoutMs: 10_000,
  };
  if (receiverUrl) {
    await updateStream(options, receiverUrl);
    console.log(`registered ${receiverUrl}`);
    const state = randomBytes(8).toString('hex');
    await verifyStream(options, state);
    console.log(`verification event requested (state ${state}: look for it in the server's log)`);
  }
  console.log(`status: ${JSON.stringify(await streamStatus(options))}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
