import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchForDrain, type Drain, type DrainOptions } from '../../src/server/drain.js';
import { waitUntil } from '../support/wait-until.js';

/** Long enough never to decide a test: the drains below end because the work ends. */
const GRACE_MS = 60_000;

interface Watched {
  server: http.Server;
  drain: Drain;
  url: string;
  /** Responses the server holds open until the test ends them, in arrival order. */
  held: ServerResponse[];
  /** How many held responses the server saw close (after the drain's own close listener). */
  closed: () => number;
  agent: http.Agent;
}

let current: Watched | undefined;
afterEach(() => {
  current?.agent.destroy();
  current?.server.closeAllConnections();
  current?.server.close();
  current = undefined;
});

/**
 * A real server on port 0 whose requests wait for the test to answer them; `/stream` sends its
 * headers at once and waits for the test to end the body.
 */
async function startWatchedServer(options: DrainOptions = {}): Promise<Watched> {
  const held: ServerResponse[] = [];
  let closed = 0;
  const server = http.createServer();
  const drain = watchForDrain(server, options);
  server.on(
    'request',
    drain.admit((req, res) => {
      if (req.url === '/stream') res.writeHead(200).write('first,');
      held.push(res);
    }),
  );
  // Registered after watchForDrain's listener, so it runs after its close handler.
  server.on('request', (_req, res: ServerResponse) => res.once('close', () => (closed += 1)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  current = {
    server,
    drain,
    url,
    held,
    closed: () => closed,
    agent: new http.Agent({ keepAlive: true }),
  };
  return current;
}

/** A GET over a keep-alive agent; resolves with its Connection header and whole body. */
async function get(w: Watched, path = '/'): Promise<{ connection?: string; body: string }> {
  const { connection, body } = await getWithStatus(w, path);
  return { connection, body };
}

/** get(), with the status and Retry-After. */
async function getWithStatus(
  w: Watched,
  path = '/',
): Promise<{ status?: number; retryAfter?: string; connection?: string; body: string }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`${w.url}${path}`, { agent: w.agent }, resolve).on('error', reject);
  });
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return {
    status: res.statusCode,
    retryAfter: res.headers['retry-after'],
    connection: res.headers.connection,
    body,
  };
}

describe('draining a server (watchForDrain)', () => {
  it('when no request is in flight, then the drain closes the server at once, idle keep-alive connections included', async () => {
    const w = await startWatchedServer();
    // A keep-alive connection left idle by an answered request does not hold the drain up.
    const answered = get(w);
    await waitUntil('the request held', () => w.held.length === 1);
    w.held[0]?.end('done');
    expect(await answered).toEqual({ connection: 'keep-alive', body: 'done' });
    await w.drain.drain(GRACE_MS);
    expect(w.server.listening).toBe(false);
  });

  it('when requests are in flight, then each answer says Connection: close and the server closes only after the last one', async () => {
    const w = await startWatchedServer();
    const first = get(w);
    const second = get(w);
    await waitUntil('both requests held', () => w.held.length === 2);
    const drained = w.drain.drain(GRACE_MS);
    expect(w.drain.isDraining()).toBe(true);

    w.held[0]?.end('one');
    expect(await first).toEqual({ connection: 'close', body: 'one' });
    await waitUntil('the first response closed', () => w.closed() === 1);
    expect(w.server.listening).toBe(true);

    w.held[1]?.end('two');
    expect(await second).toEqual({ connection: 'close', body: 'two' });
    await drained;
    expect(w.server.listening).toBe(false);
  });

  it('when a response had sent its headers before the drain, then it finishes unchanged and the server then closes', async () => {
    const w = await startWatchedServer();
    const streamed = get(w, '/stream');
    await waitUntil('the stream held', () => w.held.length === 1);
    const drained = w.drain.drain(GRACE_MS);
    w.held[0]?.end('last');
    expect(await streamed).toEqual({ connection: 'keep-alive', body: 'first,last' });
    await drained;
    expect(w.server.listening).toBe(false);
  });

  it('when a request arrives while the server drains, then it is served with Connection: close', async () => {
    const w = await startWatchedServer();
    const first = get(w);
    await waitUntil('the first request held', () => w.held.length === 1);
    const drained = w.drain.drain(GRACE_MS, GRACE_MS);
    // The first request keeps the listener open; the next one comes on a new connection.
    const late = get(w);
    await waitUntil('the late request held', () => w.held.length === 2);
    w.held[1]?.end('late');
    expect(await late).toEqual({ connection: 'close', body: 'late' });
    w.held[0]?.end('one');
    await first;
    await drained;
  });
});

describe('refusing new work while draining (admit)', () => {
  /** A schedule the test runs by hand: the accept window ends when the test says so. */
  function manualSchedule() {
    const pending: { fn: () => void; ms: number }[] = [];
    return {
      schedule: (fn: () => void, ms: number) => pending.push({ fn, ms }),
      pending,
      fire: () => pending.splice(0).forEach(({ fn }) => fn()),
    };
  }

  it('when the accept window passes under continuing traffic, then new requests get 503 with Retry-After before the app sees them, and the drain completes once the accepted ones finish', async () => {
    const clock = manualSchedule();
    const w = await startWatchedServer({ schedule: clock.schedule });
    const first = get(w);
    await waitUntil('the first request held', () => w.held.length === 1);
    const drained = w.drain.drain(GRACE_MS, 5_000);
    expect(clock.pending.map((p) => p.ms)).toEqual([5_000]);

    // Within the window (the load balancer has not noticed yet): served, told to close.
    const accepted = get(w);
    await waitUntil('the accepted request held', () => w.held.length === 2);

    clock.fire();
    const refused = await getWithStatus(w);
    expect(refused).toEqual({
      status: 503,
      retryAfter: '1',
      connection: 'close',
      body: '"The server is shutting down; try again."',
    });
    expect(w.held).toHaveLength(2); // the app never saw it

    w.held[1]?.end('accepted');
    expect(await accepted).toEqual({ connection: 'close', body: 'accepted' });
    w.held[0]?.end('one');
    await first;
    await drained;
    expect(w.server.listening).toBe(false);
  });

  it('when the accept window is longer than the grace, then refusing starts at the grace', async () => {
    const clock = manualSchedule();
    const w = await startWatchedServer({ schedule: clock.schedule });
    const first = get(w);
    await waitUntil('the first request held', () => w.held.length === 1);
    const drained = w.drain.drain(GRACE_MS, GRACE_MS * 10);
    expect(clock.pending.map((p) => p.ms)).toEqual([GRACE_MS]);
    w.held[0]?.end('one');
    await first;
    await drained;
  });

  it('when not draining, then every request reaches the app', async () => {
    const w = await startWatchedServer({ schedule: () => {} });
    const res = get(w);
    await waitUntil('the request held', () => w.held.length === 1);
    w.held[0]?.end('served');
    expect(await res).toEqual({ connection: 'keep-alive', body: 'served' });
  });
});
