// Entry point of production: reads the environment (as only the entry points do) and listens.
import { settingsOrExit } from '../server/settings-or-exit.js';
import { startServer } from '../server/start.js';

async function main(): Promise<void> {
  const settings = settingsOrExit(process.env);
  const running = await startServer(settings);
  const { google } = settings.options;
  running.logger.info(
    { url: running.url, google: google.emulatorUrl ?? 'accounts.google.com' },
    `listening on ${running.url}`,
  );
  const stop = (signal: string) => {
    running.logger.info({ signal }, 'shutting down');
    const { shutdownGraceMs, shutdownAcceptMs } = settings.server;
    running.close(shutdownGraceMs, shutdownAcceptMs).then(
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
