import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RegisteredClient } from './auth-request.js';

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

interface Credentials {
  clientId: string;
  /** Candidate secrets: Basic credentials may or may not be form-encoded (RFC 6749 §2.3.1). */
  secrets: string[];
}

function basicCredentials(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const rawId = decoded.slice(0, colon);
  const rawSecret = decoded.slice(colon + 1);
  return { clientId: formDecode(rawId), secrets: [...new Set([rawSecret, formDecode(rawSecret)])] };
}

/**
 * client_secret_basic or client_secret_post. Returns the client when its secret is right;
 * undefined for an unknown client, a wrong secret, or contradictory credentials.
 */
export function authenticateClient(
  req: IncomingMessage,
  params: URLSearchParams,
  findClient: (clientId: string) => RegisteredClient | undefined,
): RegisteredClient | undefined {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  const basic = basicCredentials(req.headers.authorization);
  let credentials: Credentials;
  if (basic) {
    if (bodySecret !== null || (bodyId !== null && bodyId !== basic.clientId)) return undefined;
    credentials = basic;
  } else {
    if (bodyId === null || bodySecret === null) return undefined;
    credentials = { clientId: bodyId, secrets: [bodySecret] };
  }
  const client = findClient(credentials.clientId);
  if (!client) return undefined;
  return credentials.secrets.some((s) => sameSecret(s, client.clientSecret)) ? client : undefined;
}
