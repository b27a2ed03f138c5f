import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/google/http-fetch.js';
import { useLocalServer } from '../support/local-server.js';

const local = useLocalServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += String(c)));
  req.on('end', () => {
    if (req.url === '/echo') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'max-age=60');
      res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body }));
    } else if (req.url === '/chunked') {
      // No Content-Length: only counting the bytes can enforce the limit.
      res.write('x'.repeat(4096));
      res.end('x'.repeat(4096));
    } else if (req.url === '/gzip') {
      // A server that compresses although it was asked for the plain body.
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync('{"a":1}'));
    } else if (req.url === '/encoding') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ acceptEncoding: req.headers['accept-encoding'] }));
    } else if (req.url === '/slow') {
      res.write('{');
      setTimeout(() => res.end('}'), 500);
    } else {
      res.statusCode = 404;
      res.end('{"error":"not_found"}');
    }
  });
});
const { agent } = local;

describe('httpFetch', () => {
  it('when calling, then it asks for an uncompressed body; a compressed one is refused', async () => {
    const res = await httpFetch(`${local.base}/encoding`, { agent });
    expect(await res.json()).toEqual({ acceptEncoding: 'identity' });
    await expect(httpFetch(`${local.base}/gzip`, { agent })).rejects.toThrow(
      /content-encoding gzip/,
    );
  });

  it('when posting a form, then it is sent as one and the answer is readable', async () => {
    const res = await httpFetch(`${local.base}/echo`, {
      method: 'POST',
      body: new URLSearchParams({ code: 'c', grant_type: 'authorization_code' }),
      agent,
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('cache-control')).toBe('max-age=60');
    expect(await res.json()).toEqual({
      method: 'POST',
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: 'code=c&grant_type=authorization_code',
    });
  });

  it('when the answer is an error status, then it still resolves, with that status', async () => {
    const res = await httpFetch(new URL(`${local.base}/missing`), { agent });
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(await res.text()).toBe('{"error":"not_found"}');
  });

  it('when a body without Content-Length passes the size limit, then it rejects', async () => {
    await expect(httpFetch(`${local.base}/chunked`, { agent, size: 5000 })).rejects.toThrow(/over/);
  });

  it('when the deadline passes mid-body, then it rejects with the signal reason', async () => {
    await expect(
      httpFetch(`${local.base}/slow`, { agent, signal: AbortSignal.timeout(100) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
