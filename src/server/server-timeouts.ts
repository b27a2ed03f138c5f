import { createServer, type Server } from 'node:http';

export interface ServerTimeouts {
  /** How long an idle keep-alive connection stays open (ms). */
  keepAliveTimeoutMs: number;
  /** How long a client may take to send the request headers (ms). */
  headersTimeoutMs: number;
  /** How long a client may take to send the whole request, body included (ms). */
  requestTimeoutMs: number;
  /** How often Node checks connections against the two deadlines above (ms). */
  checkIntervalMs: number;
}

/**
 * A load balancer reuses its idle connections to us until its own idle timeout (AWS ALB and
 * nginx 60 s, HAProxy's `timeout http-keep-alive` as configured); if we closed first, it could
 * send a request on a connection we are closing and fail it. So we stay open longer than they do,
 * and headersTimeout is above keepAliveTimeout, as Node requires for the headers of a request
 * on a reused connection (older Nodes timed those from the end of the previous response).
 * requestTimeout bounds a client that trickles its body; Node requires it >= headersTimeout.
 */
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = {
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 66_000,
  requestTimeoutMs: 75_000,
  checkIntervalMs: 5_000,
};

/** An HTTP server (no handler yet) that enforces `timeouts`. */
export function createTimedServer(timeouts: ServerTimeouts): Server {
  const server = createServer({
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: timeouts.checkIntervalMs,
  });
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  return server;
}
