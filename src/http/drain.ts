import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** One server's graceful shutdown: finish the work already accepted, then stop. */
export interface Drain {
  isDraining(): boolean;
  /**
   * Starts draining and resolves once the server has closed: as soon as no request is in
   * flight, or when `graceMs` has passed and the remaining connections have been cut.
   */
  drain(graceMs: number): Promise<void>;
}

/**
 * Watches `server`'s requests so that, once draining starts, every response still to be sent
 * carries `Connection: close`: clients and the load balancer send their next request elsewhere
 * instead of reusing a connection that is about to go. The listener stays open while requests
 * are in flight, so a load balancer's check of /readyz sees 503 rather than a refused connection,
 * and requests it routes here before noticing are still served.
 */
export function watchForDrain(server: Server): Drain {
  let draining: Promise<void> | undefined;
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
    drain: (graceMs) =>
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
        for (const res of inFlight) closeAfterResponse(res);
        // Keep-alive connections with no request in flight would otherwise stay open.
        server.closeIdleConnections();
        if (inFlight.size === 0) stopListening();
      })),
  };
}
