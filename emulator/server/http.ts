import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isObject } from '../oauth/jwt.js';

export type Headers = Record<string, string>;

/** A complete response, built by a handler and delivered (possibly with a fault) afterwards. */
export interface Reply {
  status: number;
  headers: Headers;
  body: string | Buffer;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const NO_STORE = 'no-cache, no-store, max-age=0, must-revalidate';

export function jsonReply(status: number, value: unknown, headers: Headers = {}): Reply {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': NO_STORE, ...headers },
    body: JSON.stringify(value),
  };
}

export function htmlReply(status: number, html: string, headers: Headers = {}): Reply {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      ...headers,
    },
    body: html,
  };
}

export function redirectReply(location: string): Reply {
  return {
    status: 302,
    headers: { location, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' },
    body: 'Found',
  };
}

/** A request that cannot be served; turned into its reply by the dispatcher. */
export class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new HttpError(jsonReply(413, { error: 'payload_too_large' }));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(jsonReply(413, { error: 'payload_too_large' }));
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a form (or JSON object) body into string parameters. Non-string JSON values are
 * dropped; a body that is neither is a 400.
 */
export function parseParams(contentType: string | undefined, body: Buffer): URLSearchParams {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (body.length === 0) return new URLSearchParams();
  if (type === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(invalidRequest('Malformed JSON body'));
    }
    if (!isObject(value)) throw new HttpError(invalidRequest('JSON body must be an object'));
    const params = new URLSearchParams();
    for (const [key, v] of Object.entries(value)) {
      if (['string', 'number', 'boolean'].includes(typeof v)) params.set(key, String(v));
    }
    return params;
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    return new URLSearchParams(body.toString('utf8'));
  }
  throw new HttpError(invalidRequest(`Unsupported content type: ${type}`));
}

export function invalidRequest(description: string): Reply {
  return jsonReply(400, { error: 'invalid_request', error_description: description });
}

/** The token of an `Authorization: Bearer` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export function send(res: ServerResponse, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  res.end(body);
}

/** Sends the headers, then the body one byte per `intervalMs`. */
export async function sendTrickle(
  res: ServerResponse,
  reply: Reply,
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  res.flushHeaders();
  for (let i = 0; i < body.length; i += 1) {
    await sleep(intervalMs, undefined, { signal });
    res.write(body.subarray(i, i + 1));
  }
  res.end();
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'a');

/**
 * 200 application/json of exactly `bytes` bytes (`{"padding":"aaa…"}` when long enough),
 * streamed in chunks with back-pressure so it is never held in memory.
 */
export async function sendHuge(
  res: ServerResponse,
  bytes: number,
  signal: AbortSignal,
): Promise<void> {
  const head = Buffer.from('{"padding":"');
  const tail = Buffer.from('"}');
  const framed = bytes >= head.length + tail.length;
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(bytes) });
  let remaining = framed ? bytes - head.length - tail.length : bytes;
  if (framed) res.write(head);
  while (remaining > 0) {
    const chunk = HUGE_CHUNK.subarray(0, Math.min(remaining, HUGE_CHUNK.length));
    remaining -= chunk.length;
    if (!res.write(framed ? chunk : Buffer.alloc(chunk.length, ' '))) {
      await once(res, 'drain', { signal });
    }
  }
  res.end(framed ? tail : undefined);
}
