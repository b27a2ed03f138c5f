// `npm start`: the host app on PORT (default 3000). Settings from the environment, read here by
// the host: gconnect itself never reads it.
import type { AddressInfo } from 'node:net';
import { createHostApp } from './app.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (see README.md)`);
  return value;
}

const { app, gconnect } = await createHostApp({
  google: {
    clientId: required('GOOGLE_CLIENT_ID'),
    clientSecret: required('GOOGLE_CLIENT_SECRET'),
    emulatorUrl: process.env.GOOGLE_EMULATOR_URL || undefined,
  },
  database: process.env.DATABASE_URL || 'file:./data/app.db',
  sessionSecrets: [required('SESSION_SECRET')],
  tokenKeys: process.env.TOKEN_ENCRYPTION_KEYS,
  baseUrl: process.env.BASE_URL || undefined,
  production: process.env.NODE_ENV === 'production',
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Host app listening on http://127.0.0.1:${port}`);
});

function stop(): void {
  server.close();
  gconnect.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
