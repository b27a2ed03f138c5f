import { createHash, createHmac, sign, type KeyObject } from 'node:crypto';

export type JsonObject = Record<string, unknown>;

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function encodeSegment(value: JsonObject): string {
  return base64url(JSON.stringify(value));
}

/** Shallow-merges `overrides` into `base`; an override of `null` deletes the key. */
export function mergeOrDelete(base: JsonObject, overrides: JsonObject | undefined): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Signs header.payload with RS256 and returns the compact JWT. */
export function signRs256(header: JsonObject, payload: JsonObject, key: KeyObject): string {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${input}.${base64url(sign('sha256', Buffer.from(input), key))}`;
}

/** Signs with HMAC-SHA256: used only to forge alg-confusion tokens for hostile tests. */
export function signHs256(header: JsonObject, payload: JsonObject, secret: string): string {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${input}.${base64url(createHmac('sha256', secret).update(input).digest())}`;
}

/** An unsigned JWT (`alg: none`): empty signature segment. */
export function encodeUnsigned(header: JsonObject, payload: JsonObject): string {
  return `${encodeSegment(header)}.${encodeSegment(payload)}.`;
}

/** Flips one bit of the signature so it no longer verifies. */
export function flipSignature(jwt: string): string {
  const [head, body, signature = ''] = jwt.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length > 0) bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return `${head}.${body}.${base64url(bytes)}`;
}

/** OIDC Core §3.3.2.11: base64url of the left half of SHA-256 of the access token. */
export function computeAtHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return base64url(digest.subarray(0, digest.length / 2));
}

/** Decodes a compact JWT without verifying it; undefined when malformed. */
export function decodeJwt(
  jwt: string,
):
  { header: JsonObject; payload: JsonObject; signingInput: string; signature: Buffer } | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  const [head = '', body = '', signature = ''] = parts;
  try {
    const header: unknown = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(payload)) return undefined;
    return {
      header,
      payload,
      signingInput: `${head}.${body}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
