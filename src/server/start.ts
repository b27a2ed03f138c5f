import express, { type Express, type RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import {
  createGconnect,
  type EnvironmentSettings,
  type Gconnect,
  type GconnectOptions,
} from '../index.js';
import { watchForDrain } from './drain.js';
import { withFinalHandler } from './final-handler.js';
import { explainListenError } from './listen-error.js';
import { createLogger, flushLogger } from './logger.js';
import {
  createTimedServer,
  DEFAULT_SERVER_TIMEOUTS,
  type ServerTimeouts,
} from './server-timeouts.js';

export interface RunningServer {
  url: string;
  server: Server;
  /** The Express app the server runs (tests read its routes). */
  app: Express;
  /** gconnect as the server composed it (its router is mounted on `app`). */
  gconnect: Gconnect;
  logger: Logger;
  /**
   * Drains: /readyz turns 503 at once, responses still to be sent carry `Connection: close`,
   * new requests are served for `acceptForMs` (SHUTDOWN_ACCEPT_MS by default) and refused with
   * 503 after it, in-flight requests finish (up to `graceMs`), then gconnect closes.
   */
  close(graceMs?: number, acceptForMs?: number): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** The clock, for tests of expiry. */
  now?: () => number;
  /** Connection deadlines; tests shorten them. */
  serverTimeouts?: Partial<ServerTimeouts>;
  /**
   * Builds gconnect from the options: the package's createGconnect, as any host app calls it.
   * The tests pass one with hooks of their own (test/support/gconnect-factory.ts).
   */
  createGconnect?: (options: GconnectOptions) => Promise<Gconnect>;
}

/**
 * The standalone server: gconnect (createGconnect, as any host app uses it) mounted on an app of
 * its own with gconnect's home page, 404 and error page, listening on HOST:PORT.
 */
export async function startServer(
  settings: EnvironmentSettings,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(settings.server.logLevel);
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.serverTimeouts };
  const server = createTimedServer(timeouts);
  // Watching before the app handles a request, so a drain can mark every response.
  const drain = watchForDrain(server);
  const gconnect = await (options.createGconnect ?? createGconnect)({
    ...settings.options,
    logger,
    ...(options.now ? { now: options.now } : {}),
    isDraining: () => drain.isDraining(),
    // The server's home page and 404 are its own paths too: headers and access log on all.
    headersAndLogs: 'every-path',
  });
  const app = standaloneApp(gconnect, settings.options);

  // Past the drain's accept window, refused before the app (and its session store) sees it.
  server.on('request', drain.admit(withFinalHandler(app, gconnect.pages)));
  const { host, port } = settings.server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(explainListenError(err, { host, port, variable: 'PORT' }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (err: unknown) => {
    // Nothing listens: release what was opened, so the caller can exit or retry cleanly.
    await gconnect.close();
    throw err;
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000, acceptForMs = settings.server.shutdownAcceptMs) =>
    (closing ??= drain.drain(graceMs, acceptForMs).then(async () => {
      await gconnect.close();
      await flushLogger(logger);
    }));

  return { url: `http://${shownHost}:${address.port}`, server, app, gconnect, logger, close };
}

/** The demo page of a feature: says it is on (rendered with gconnect's views and chrome). */
function featureDemo(gconnect: Gconnect, name: string): RequestHandler {
  return (_req, res, next) => {
    const words = name.replace(/[-_]+/g, ' ').trim();
    const label = words.charAt(0).toUpperCase() + words.slice(1);
    gconnect.router.render('feature', { ...res.locals, name, label }, (err, html) => {
      if (err) next(err);
      else res.send(html);
    });
  };
}

/** The host app of the standalone server: gconnect's router, then its home page and 404. */
function standaloneApp(gconnect: Gconnect, options: GconnectOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // The router inherits it (an Express sub-app takes the settings it leaves unset from its host).
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(gconnect.router);
  app.get('/', gconnect.pages.home);
  // One demo page per feature, guarded by requireGoogleFeature as a host's own page would be.
  for (const name of Object.keys(options.google.features ?? {})) {
    app.get(`/features/${name}`, gconnect.requireGoogleFeature(name), featureDemo(gconnect, name));
  }
  app.use(gconnect.pages.notFound);
  app.use(gconnect.pages.errorHandler);
  return app;
}
