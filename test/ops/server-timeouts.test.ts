/**
 * Connection deadlines for life behind a load balancer: idle keep-alive connections outlive the
 * balancer's own idle timeout (so it never sends a request on a connection we are closing), and a
 * client that trickles its request body is cut off instead of holding a connection forever.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../../src/config/from-env.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { ServerTimeouts } from '../../src/server/server-timeouts.js';
import { CLIENT } from '../support/client.js';

let running: RunningServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await running?.close(100);
  if (dir) rmSync(dir, { recursive: true, force: true });
  running = undefined;
  dir = undefined;
});

async function start(serverTimeouts: Partial<ServerTimeouts> = {}): Promise<RunningServer> {
  dir = mkdtempSync(join(tmpdir(), 'gconnect-timeouts-'));
  const config = optionsFromEnv({
    PORT: '0',
    DATABASE_URL: `file:${join(dir, 'app.db')}`,
    GOOGLE_CLIENT_ID: CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
    GOOGLE_EMULATOR_URL: 'http://127.0.0.1:9',
    SESSION_SECRET: 'timeouts-test-secret-0123456789abcdef',
  });
  running = await startServer(config, { logger: pino({ level: 'silent' }), serverTimeouts });
  return running;
}

describe('server timeouts', () => {
  it('when idle, then keep-alive connections outlive a 60 s load-balancer idle timeout, and headers may take longer still', async () => {
    const { server, url } = await start();
    expect(server.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    expect(server.requestTimeout).toBeGreaterThanOrEqual(server.headersTimeout);
    expect(server.requestTimeout).toBeLessThan(120_000);
    // Clients are told, too: Node advertises the keep-alive timeout in seconds.
    const res = await supertest(url).get('/healthz').set('Connection', 'keep-alive');
    expect(res.headers['keep-alive']).toBe(`timeout=${server.keepAliveTimeout / 1000}`);
  });

  it('when a client trickles its request body past the request timeout, then 408 and the connection is closed', async () => {
    const { url } = await start({
      headersTimeoutMs: 300,
      requestTimeoutMs: 300,
      checkIntervalMs: 50,
    });
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    socket.write(
      'POST /gconnect?state=x HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nA',
    );
    await once(socket, 'close');
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });
});
