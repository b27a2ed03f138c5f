import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/** A plain HTTP server on a free loopback port for one test file, and a keep-alive agent to it. */
export interface LocalServer {
  /** `http://127.0.0.1:PORT`, set once the file's beforeAll has run. */
  base: string;
  agent: http.Agent;
}

/** Starts `handler` before the file's tests and closes it (and its connections) after them. */
export function useLocalServer(handler: http.RequestListener): LocalServer {
  const local: LocalServer = { base: '', agent: new http.Agent({ keepAlive: true }) };
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    local.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    local.agent.destroy();
    server.closeAllConnections();
    server.close();
  });
  return local;
}
