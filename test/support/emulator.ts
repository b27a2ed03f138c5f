/** Direct calls to the emulator, as google-auth-library and a browser make them. */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import {
  createEmulator,
  type Emulator,
  type EmulatorOptions,
} from '../../emulator/server/emulator.js';

import { CLIENT, OTHER_CLIENT } from './client.js';

export function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return createEmulator({ clients: [CLIENT, OTHER_CLIENT], ...options });
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
  id_token?: string;
}

export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** grant_type=refresh_token at the emulator at `baseUrl`, as google-auth-library sends it. */
export function refreshAt(
  baseUrl: string,
  refreshToken: string,
  client: { clientId: string; clientSecret: string } = CLIENT,
  signal?: AbortSignal,
) {
  return fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }).toString(),
    signal,
  });
}

/** The token request google-auth-library makes for the popup flow (client_secret_post). */
export function exchange(emu: Emulator, code: string, extra: Record<string, string> = {}) {
  return postForm(`${emu.url}/token`, {
    code,
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    grant_type: 'authorization_code',
    redirect_uri: 'postmessage',
    ...extra,
  });
}

/** The tokens the emulator gives for a fresh code of `account` (no app involved). */
export async function issueTokens(
  emu: Emulator,
  account = 'alice@example.com',
): Promise<TokenResponse> {
  const res = await exchange(emu, emu.issueCode({ account, clientId: CLIENT.clientId }));
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status}`);
  return (await res.json()) as TokenResponse;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

export function decodeJwt(jwt: string): DecodedJwt {
  const [head = '', body = '', sig = ''] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>,
    signingInput: Buffer.from(`${head}.${body}`),
    signature: Buffer.from(sig, 'base64url'),
  };
}

export async function fetchJwks(emu: Emulator): Promise<(JsonWebKey & { kid: string })[]> {
  const res = await fetch(`${emu.url}/oauth2/v3/certs`);
  return ((await res.json()) as { keys: (JsonWebKey & { kid: string })[] }).keys;
}

export async function fetchPems(emu: Emulator): Promise<Record<string, string>> {
  return (await (await fetch(`${emu.url}/oauth2/v1/certs`)).json()) as Record<string, string>;
}

/** Verifies an RS256 JWT against the emulator's JWKS; false when no key has its kid. */
export async function verifiesWithJwks(emu: Emulator, jwt: string): Promise<boolean> {
  const { header, signingInput, signature } = decodeJwt(jwt);
  const jwk = (await fetchJwks(emu)).find((k) => k.kid === header.kid);
  if (!jwk) return false;
  return verify('sha256', signingInput, createPublicKey({ key: jwk, format: 'jwk' }), signature);
}

export async function verifiesWithPem(emu: Emulator, jwt: string): Promise<boolean> {
  const { header, signingInput, signature } = decodeJwt(jwt);
  const pem = (await fetchPems(emu))[String(header.kid)];
  if (!pem) return false;
  return verify('sha256', signingInput, createPublicKey(pem), signature);
}
