import { importPKCS8, SignJWT } from 'jose';

/** The part of a Google Cloud service-account key file that signs management calls. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id: string;
}

export const GOOGLE_RISC_API = 'https://risc.googleapis.com';
const AUDIENCE = 'https://risc.googleapis.com/google.identity.risc.v1beta.RiscManagementService';
const PUSH = 'https://schemas.openid.net/secevent/risc/delivery-method/push';

export const REQUESTED_EVENTS = [
  'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked',
  'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked',
  'https://schemas.openid.net/secevent/oauth/event-type/token-revoked',
  'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
  'https://schemas.openid.net/secevent/risc/event-type/account-enabled',
  'https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required',
  'https://schemas.openid.net/secevent/risc/event-type/verification',
];

export interface ManagementOptions {
  key: ServiceAccountKey;
  /** https://risc.googleapis.com, or an emulator's base URL. */
  apiBase: string;
  timeoutMs: number;
}

/** Google's RISC API authorizes a self-signed service-account JWT, valid for an hour. */
async function bearer(key: ServiceAccountKey): Promise<string> {
  const privateKey = await importPKCS8(key.private_key, 'RS256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: key.private_key_id, typ: 'JWT' })
    .setIssuer(key.client_email)
    .setSubject(key.client_email)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

async function call(
  options: ManagementOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(options.apiBase + path, {
    method,
    headers: {
      authorization: `Bearer ${await bearer(options.key)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as unknown) : {};
}

/** stream:update — Google pushes security events for our users to `receiverUrl`. */
export function updateStream(options: ManagementOptions, receiverUrl: string): Promise<unknown> {
  return call(options, 'POST', '/v1beta/stream:update', {
    delivery: { delivery_method: PUSH, url: receiverUrl },
    events_requested: REQUESTED_EVENTS,
  });
}

/** stream:verify — asks Google to send a verification event carrying `state`. */
export function verifyStream(options: ManagementOptions, state: string): Promise<unknown> {
  return call(options, 'POST', '/v1beta/stream:verify', { state });
}

export function streamStatus(options: ManagementOptions): Promise<unknown> {
  return call(options, 'GET', '/v1beta/stream/status');
}
