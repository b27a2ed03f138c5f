import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** One server's graceful shutdown: finish the work already accepted, then stop. */
export interface Drain {
  isDraining(): boolean;
  /**
   * Starts draining and resolves once the server has closed: as soon as no request is in
   * flight, or when `graceMs` has passed and the remaining connections have been cut. New
   * requests are still served for `acceptForMs` (at most `graceMs`), then refused (see admit).
   */
  drain(graceMs: number, acceptForMs?: number): Promise<void>;
  /**
   * Wraps the app: once the drain's accept window has passed, a new request is answered 503
   * with `Retry-After` and `Connection: close` before the app sees it.
   */
  admit(app: RequestListener): RequestListener;
}

export interface DrainOptions {
  /** Runs `fn` after `ms` (tests run it by hand); by default an unref'd setTimeout. */
  schedule?: (fn: () => void, ms: number) => void;
}

/** What a request refused while draining is told (docs/http-api.md quotes it). */
export const SHUTTING_DOWN = 'The server is shutting down; try again.';

/** Seconds a refused client is told to wait: enough for a load balancer to route elsewhere. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Watches `server`'s requests so that, once draining starts, every response still to be sent
 * carries `Connection: close`: clients and the load balancer send their next request elsewhere
 * instead of reusing a connection that is about to go. The listener stays open while requests
 * are in flight, so a load balancer's check of /readyz sees 503 rather than a refused connection.
 *
 * Requests it routes here before noticing are still served for a short window (`acceptForMs`);
 * after it, new requests are refused before any work, because clients told `Connection: close`
 * reconnect at once: under steady traffic, serving them would keep requests in flight forever
 * and the grace would end by cutting sign-ins whose codes were already exchanged at Google.
 * Refusing bounds the drain: every request accepted started within the window, so with
 * `graceMs` ≥ window + the longest request, each finishes.
 */
export function watchForDrain(server: Server, options: DrainOptions = {}): Drain {
  const schedule =
    options.schedule ??
    ((fn: () => void, ms: number) => {
      setTimeout(fn, ms).unref();
    });
  let draining: Promise<void> | undefined;
  let refusing = false;
  let stopListening = () => {};
  const inFlight = new Set<ServerResponse>();

  const closeAfterResponse = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) closeAfterResponse(res);
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (!draining) return;
      // A response whose headers went out before the drain leaves its socket idle, not closed.
      server.closeIdleConnections();
      if (inFlight.size === 0) stopListening();
    });
  });

  return {
    isDraining: () => draining !== undefined,
    admit: (app) => (req, res) => {
      if (!refusing) {
        app(req, res);
        return;
      }
      res.writeHead(503, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'Retry-After': String(RETRY_AFTER_SECONDS),
        'X-Content-Type-Options': 'nosniff',
        Connection: 'close',
      });
      res.end(JSON.stringify(SHUTTING_DOWN));
    },
    drain: (graceMs, acceptForMs = 0) =>
      (draining ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          stopListening();
          server.closeAllConnections();
        }, graceMs);
        force.unref();
        stopListening = () => {
          stopListening = () => {};
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        };
        schedule(
          () => {
            refusing = true;
          },
          Math.min(acceptForMs, graceMs),
        );
        for (const res of inFlight) closeAfterResponse(res);
        // Keep-alive connections with no request in flight would otherwise stay open.
        server.closeIdleConnections();
        if (inFlight.size === 0) stopListening();
      })),
  };
}
