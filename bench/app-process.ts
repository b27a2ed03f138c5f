/**
 * The app under test, started the way `npm start` starts it (loadConfig + startServer, the
 * default pino logger on stdout, which the benchmark sends to a file), in its own process.
 * The benchmark passes the environment: DATABASE_URL, GOOGLE_EMULATOR_URL, credentials, LOG_LEVEL.
 */
import { optionsFromEnv } from '../src/config/from-env.js';
import { startServer } from '../src/server/start.js';
import { serveParent } from './ipc.js';

const server = await startServer(optionsFromEnv(process.env));
serveParent({}, { url: server.url });
process.once('SIGTERM', () => {
  server.close(1000).then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
