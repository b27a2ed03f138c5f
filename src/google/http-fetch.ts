import http from 'node:http';
import https from 'node:https';
import { settle } from '../core/settle.js';

/** What gaxios passes to its fetch implementation (the parts this one reads). */
interface FetchInit {
  method?: string;
  headers?: Headers;
  body?: string | Buffer | URLSearchParams;
  signal?: AbortSignal;
  agent?: http.Agent | ((url: URL) => http.Agent);
  /** Largest response body accepted (gaxios's maxContentLength). */
  size?: number;
}

/** The parts of a fetch Response that gaxios and google-auth-library read. */
export interface BufferedResponse {
  status: number;
  statusText: string;
  ok: boolean;
  url: string;
  headers: Headers;
  redirected: false;
  /** True once the body was read: gaxios keeps an error response's parsed body only then. */
  bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A minimal fetch for gaxios on node:http: one request on the given keep-alive agent, the whole
 * body read (up to `size`) before it resolves, and `signal` (gaxios's deadline) covering every
 * stage from connect to last byte. It replaces node-fetch, whose streams and abort machinery
 * cost more CPU than the request itself on loopback.
 */
export function httpFetch(input: string | URL, init: FetchInit = {}): Promise<BufferedResponse> {
  const url = new URL(input);
  const transport = url.protocol === 'https:' ? https : http;
  const agent = typeof init.agent === 'function' ? init.agent(url) : init.agent;
  const headers: Record<string, string> = {};
  init.headers?.forEach((value, name) => (headers[name] = value));
  // This fetch does not decompress: ask for the plain body (node-fetch asked for gzip and inflated).
  headers['accept-encoding'] = 'identity';
  const body = requestBody(init.body, headers);
  return new Promise((resolve, reject) => {
    const signal = init.signal;
    if (signal?.aborted) return reject(signal.reason as Error);
    // A promise settles once: whichever of end, error and close comes first decides.
    const req = transport.request(url, { method: init.method, headers, agent }, (res) => {
      const encoding = res.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') {
        fail(new Error(`Unexpected content-encoding ${encoding}`));
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (init.size && length > init.size) {
          fail(new Error(`Response body over ${init.size} bytes`));
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', fail);
      // Closed before the last byte, without an error of its own: never leave the caller waiting.
      // A backstop: with an `error` listener attached Node emits `error` (ECONNRESET) before a
      // premature `close`, so removing it is an equivalent mutant today.
      res.on('close', () => fail(new Error('Connection closed before the response ended')));
      res.on('end', () => {
        // The `close` after every `end` removes it too (via fail): renaming it is equivalent.
        signal?.removeEventListener('abort', onAbort);
        const buffer = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        // A received header is never undefined, a client response always has its status message,
        // and a final status is never below 200 (1xx are interim): the checks below are for the
        // type checker, and weakening them is an equivalent mutant.
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
          else if (value !== undefined) responseHeaders.set(name, value);
        }
        const response: BufferedResponse = {
          status,
          statusText: res.statusMessage ?? '',
          ok: status >= 200 && status < 300,
          url: url.href,
          headers: responseHeaders,
          redirected: false,
          bodyUsed: false,
          // The body is already read: each reader settles at once, and a parse error rejects.
          // Each marks the body used, as fetch does: gaxios keeps an error's body only then.
          text: () => settle(() => used(buffer.toString('utf8'))),
          json: () => settle(() => used(JSON.parse(buffer.toString('utf8')) as unknown)),
          arrayBuffer: () =>
            settle(() =>
              used(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)),
            ),
        };
        const used = <T>(body: T): T => {
          response.bodyUsed = true;
          return body;
        };
        resolve(response);
      });
    });
    function fail(err: Error) {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    }
    function onAbort() {
      req.destroy(signal?.reason as Error);
    }
    signal?.addEventListener('abort', onAbort);
    req.on('error', fail);
    // Sent whole, so Node gives the request its Content-Length.
    req.end(body);
  });
}

/** The body as bytes; a form gets fetch's content type, as node-fetch gave it. */
function requestBody(
  body: FetchInit['body'],
  headers: Record<string, string>,
): string | Buffer | undefined {
  if (body === undefined || Buffer.isBuffer(body) || typeof body === 'string') return body;
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  throw new TypeError('httpFetch: unsupported request body');
}
