import { getEventListeners } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/google/http-fetch.js';
import { useLocalServer } from '../support/local-server.js';

/** What gaxios's fetch is asked for and answers, beyond test/google/http-fetch.test.ts's basics. */
let requests = 0;

const local = useLocalServer((req, res) => {
  requests += 1;
  let body = '';
  req.on('data', (c: Buffer) => (body += String(c)));
  req.on('end', () => {
    const path = req.url ?? '/';
    if (path === '/echo') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          type: req.headers['content-type'] ?? null,
          length: req.headers['content-length'] ?? null,
          authorization: req.headers.authorization ?? null,
          body,
        }),
      );
    } else if (path === '/identity') {
      res.setHeader('content-encoding', 'identity');
      res.end('plain');
    } else if (path === '/two-cookies') {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end();
    } else if (path.startsWith('/status/')) {
      res.statusCode = Number(path.slice('/status/'.length));
      res.statusMessage = 'Chosen';
      res.end('{}');
    } else if (path === '/bytes') {
      res.end(Buffer.from([1, 2, 3, 250]));
    } else if (path === '/not-json') {
      res.end('not json');
    } else if (path === '/exactly-8192') {
      res.write('x'.repeat(4096));
      res.end('x'.repeat(4096));
    } else if (path === '/cut') {
      // Half a body, then the connection goes away without an error of the response's own.
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
});
const { agent } = local;

describe('httpFetch requests', () => {
  it('when a string body is posted with headers, then both arrive, with its byte length', async () => {
    const res = await httpFetch(`${local.base}/echo`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer t', 'content-type': 'text/plain' }),
      body: 'é=1',
      agent,
    });
    expect(await res.json()).toEqual({
      method: 'POST',
      type: 'text/plain',
      length: '4',
      authorization: 'Bearer t',
      body: 'é=1',
    });
  });

  it('when a Buffer body is posted, then it is sent as it is', async () => {
    const res = await httpFetch(`${local.base}/echo`, {
      method: 'PUT',
      body: Buffer.from('raw'),
      agent,
    });
    expect(await res.json()).toMatchObject({ method: 'PUT', length: '3', body: 'raw' });
  });

  it('when a form is posted with its own content type, then that type is kept', async () => {
    const res = await httpFetch(`${local.base}/echo`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams({ a: 'b' }),
      agent,
    });
    expect(await res.json()).toMatchObject({
      type: 'application/x-www-form-urlencoded',
      body: 'a=b',
    });
  });

  it('when no method or body is given, then it is a GET without a body length', async () => {
    const res = await httpFetch(`${local.base}/echo`, { agent });
    expect(await res.json()).toMatchObject({ method: 'GET', type: null, length: null });
  });

  it('when the body is of a kind it cannot send, then it throws before any request', () => {
    const before = requests;
    expect(() => httpFetch(`${local.base}/echo`, { body: {} as never, agent })).toThrow(
      /unsupported request body/,
    );
    expect(requests).toBe(before);
  });

  it('when the deadline has already passed, then it rejects with its reason and sends nothing', async () => {
    const before = requests;
    const signal = AbortSignal.abort(new Error('too late'));
    await expect(httpFetch(`${local.base}/echo`, { agent, signal })).rejects.toThrow('too late');
    expect(requests).toBe(before);
  });
});

describe('httpFetch responses', () => {
  it('when the answer says content-encoding identity, then it is read as plain', async () => {
    const res = await httpFetch(`${local.base}/identity`, { agent });
    expect(await res.text()).toBe('plain');
  });

  it('when a header comes twice, then both values are kept', async () => {
    const res = await httpFetch(`${local.base}/two-cookies`, { agent });
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('when the status is 2xx, then ok, else not; the status text and URL are kept', async () => {
    for (const [status, ok] of [
      [200, true],
      [204, true],
      [299, true],
      [300, false],
      [500, false],
    ] as const) {
      const res = await httpFetch(`${local.base}/status/${status}`, { agent });
      expect({ status: res.status, ok: res.ok }).toEqual({ status, ok });
      expect(res.statusText).toBe('Chosen');
      expect(res.url).toBe(`${local.base}/status/${status}`);
      expect(res.redirected).toBe(false);
    }
  });

  it('when the body is read, then it is marked used, and its bytes come back exactly', async () => {
    const res = await httpFetch(`${local.base}/bytes`, { agent });
    expect(res.bodyUsed).toBe(false);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes]).toEqual([1, 2, 3, 250]);
    expect(res.bodyUsed).toBe(true);
    const text = await httpFetch(`${local.base}/status/200`, { agent });
    await text.text();
    expect(text.bodyUsed).toBe(true);
    const json = await httpFetch(`${local.base}/status/200`, { agent });
    await json.json();
    expect(json.bodyUsed).toBe(true);
  });

  it('when the body is not JSON, then json() rejects instead of throwing', async () => {
    const res = await httpFetch(`${local.base}/not-json`, { agent });
    const reading = res.json();
    expect(reading).toBeInstanceOf(Promise);
    await expect(reading).rejects.toThrow(SyntaxError);
    expect(await res.text()).toBe('not json');
  });

  it('when the body is exactly the size limit, then it is accepted', async () => {
    const res = await httpFetch(`${local.base}/exactly-8192`, { agent, size: 8192 });
    expect((await res.text()).length).toBe(8192);
  });

  it("when the connection closes before the body ends, then it rejects with the response's error", async () => {
    await expect(httpFetch(`${local.base}/cut`, { agent })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });

  it('when it settles either way, then it leaves no listener on the deadline signal', async () => {
    const signal = new AbortController().signal;
    await httpFetch(`${local.base}/status/200`, { agent, signal });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await expect(httpFetch(`${local.base}/cut`, { agent, signal })).rejects.toThrow();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('httpFetch transport', () => {
  it("when no agent is given, then an http URL goes through Node's default one", async () => {
    const res = await httpFetch(`${local.base}/status/204`);
    expect(res.status).toBe(204);
  });

  it('when the URL is https, then it opens TLS (a ClientHello), not plain HTTP', async () => {
    // A TCP server that keeps the first bytes it is sent and hangs up.
    let received: Buffer = Buffer.alloc(0);
    const server = net.createServer((socket) =>
      socket.once('data', (bytes: Buffer) => {
        received = bytes;
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(httpFetch(`https://127.0.0.1:${port}/`)).rejects.toThrow();
    } finally {
      server.close();
    }
    // A TLS handshake record (0x16) of TLS 1.x (0x03 …), where plain HTTP would send "GET".
    expect([...received.subarray(0, 2)]).toEqual([0x16, 0x03]);
  });
});
