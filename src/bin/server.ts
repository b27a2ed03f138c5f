// Entry point of production: reads the environment (as only the entry points do) and listens.
import { loadConfigOrExit } from './config-or-exit.js';
import { startServer } from '../composition/start.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const running = await startServer(config);
  running.logger.info(
    { url: running.url, google: config.google.emulatorUrl ?? 'accounts.google.com' },
    `listening on ${running.url}`,
  );
  const stop = (signal: string) => {
    running.logger.info({ signal }, 'shutting down');
    running.close(config.shutdownGraceMs, config.shutdownAcceptMs).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
