/**
 * Cross-Account Protection (RISC) as Google runs it, offline: the discovery document, the
 * management API a receiver is registered with (`stream:update`, `stream:verify`, status), and
 * Security Event Tokens signed with the emulator's key and pushed to the registered receiver.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Handler } from '../server/context.js';
import { invalidRequest, jsonReply, readBody } from '../server/http.js';
import {
  encodeUnsigned,
  flipSignature,
  isObject,
  signRs256,
  type JsonObject,
} from '../oauth/jwt.js';
import { RISC_MANAGEMENT_AUDIENCE, RiscStreams } from './streams.js';

export { RISC_MANAGEMENT_AUDIENCE, RiscStreams };

export const PUSH_DELIVERY = 'https://schemas.openid.net/secevent/risc/delivery-method/push';

const EVENT_URIS: Record<string, string> = {
  'sessions-revoked': 'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked',
  'tokens-revoked': 'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked',
  'token-revoked': 'https://schemas.openid.net/secevent/oauth/event-type/token-revoked',
  'account-disabled': 'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
  'account-enabled': 'https://schemas.openid.net/secevent/risc/event-type/account-enabled',
  'account-credential-change-required':
    'https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required',
  verification: 'https://schemas.openid.net/secevent/risc/event-type/verification',
};

export type RiscEventName = keyof typeof EVENT_URIS;

export function isRiscEventName(value: unknown): value is RiscEventName {
  return typeof value === 'string' && Object.hasOwn(EVENT_URIS, value);
}

/** RISC's issuer: Google's ends with a slash, so the emulator's does too. */
export function riscIssuer(base: string): string {
  return `${base}/`;
}

/** GET /.well-known/risc-configuration */
export const riscConfiguration: Handler = (state) =>
  jsonReply(200, {
    issuer: riscIssuer(state.url),
    jwks_uri: `${state.url}/oauth2/v3/certs`,
    delivery_methods_supported: [PUSH_DELIVERY],
    configuration_endpoint: `${state.url}/v1beta/stream`,
    status_endpoint: `${state.url}/v1beta/stream/status`,
    verification_endpoint: `${state.url}/v1beta/stream:verify`,
  });

async function readJson(req: Parameters<Handler>[1]['req']): Promise<JsonObject | undefined> {
  try {
    const value: unknown = JSON.parse((await readBody(req)).toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const unauthenticated = () =>
  jsonReply(401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'Invalid JWT' } });

/** Wraps a management handler with the service-account check. */
function managed(handler: Handler): Handler {
  return (state, request) =>
    state.risc.authorized(request.req.headers.authorization, state.now())
      ? handler(state, request)
      : unauthenticated();
}

const LOOPBACK_HTTP = /^http:\/\/(127(?:\.\d{1,3}){3}|localhost|\[::1\])(:\d{1,5})?\//;

/** POST /v1beta/stream:update — registers the receiver (loopback only: nothing leaves the machine). */
export const streamUpdate: Handler = managed(async (state, { req }) => {
  const body = await readJson(req);
  const delivery = isObject(body?.delivery) ? body.delivery : undefined;
  const url = delivery?.url;
  if (delivery?.delivery_method !== PUSH_DELIVERY || typeof url !== 'string') {
    return invalidRequest('delivery.delivery_method must be push and delivery.url a URL');
  }
  if (!LOOPBACK_HTTP.test(url) && !url.startsWith('https://')) {
    return invalidRequest('delivery.url must be https (or http on loopback)');
  }
  const events = Array.isArray(body?.events_requested) ? body.events_requested : [];
  state.risc.stream = {
    url,
    eventsRequested: events.filter((e): e is string => typeof e === 'string'),
    status: 'enabled',
  };
  return jsonReply(200, {});
});

/** GET /v1beta/stream */
export const streamGet: Handler = managed((state) => {
  const stream = state.risc.stream;
  if (!stream) return jsonReply(404, { error: { code: 404, status: 'NOT_FOUND' } });
  return jsonReply(200, {
    delivery: { delivery_method: PUSH_DELIVERY, url: stream.url },
    events_requested: stream.eventsRequested,
  });
});

/** GET /v1beta/stream/status */
export const statusGet: Handler = managed((state) =>
  jsonReply(200, { status: state.risc.stream?.status ?? 'disabled' }),
);

/** POST /v1beta/stream/status:update — `{"status": "enabled" | "disabled"}` */
export const statusUpdate: Handler = managed(async (state, { req }) => {
  const body = await readJson(req);
  const status = body?.status;
  if (!state.risc.stream) return jsonReply(404, { error: { code: 404, status: 'NOT_FOUND' } });
  if (status !== 'enabled' && status !== 'disabled') {
    return invalidRequest('status must be enabled or disabled');
  }
  state.risc.stream.status = status;
  return jsonReply(200, { status });
});

/** POST /v1beta/stream:verify — `{"state": "…"}`: a verification event to the receiver. */
export const streamVerify: Handler = managed(async (state, { req }) => {
  const body = await readJson(req);
  const verificationState = typeof body?.state === 'string' ? body.state : undefined;
  const result = await deliver(state, { type: 'verification', state: verificationState });
  if ('error' in result) return invalidRequest(result.error);
  return jsonReply(200, {});
});

export interface EventRequest {
  type: RiscEventName;
  /** Email or sub of a test account (not for `verification` or `token-revoked`). */
  account?: string;
  reason?: string;
  state?: string;
  /** For `token-revoked`: the refresh token Google revoked, and how to identify it. */
  token?: string;
  tokenIdentifierAlg?: 'prefix' | 'hash_base64_sha512_sha512';
  /** Hostile options for tests. */
  badSignature?: boolean;
  /** Signed by a key the certs endpoint does not publish. */
  unknownKey?: boolean;
  /** `alg: none`, no signature. */
  unsigned?: boolean;
  audience?: string;
  issuer?: string;
  /** The SET's `iat` (seconds) instead of now: a token Google issued earlier, delivered late. */
  issuedAt?: number;
  twice?: boolean;
}

/** Google's identifier of a revoked token: its first 16 characters, or a double SHA-512. */
export function tokenIdentifier(token: string, alg: EventRequest['tokenIdentifierAlg']): string {
  if (alg === 'prefix') return token.slice(0, 16);
  const inner = createHash('sha512').update(token).digest();
  return createHash('sha512').update(inner).digest('base64');
}

type Built = { jwt: string } | { error: string };

async function buildSet(state: Parameters<Handler>[0], request: EventRequest): Promise<Built> {
  const issuer = request.issuer ?? riscIssuer(state.url);
  const event: JsonObject = {};
  if (request.type === 'verification') {
    if (request.state !== undefined) event.state = request.state;
  } else if (request.type === 'token-revoked') {
    if (!request.token) return { error: 'token-revoked needs token' };
    const alg = request.tokenIdentifierAlg ?? 'hash_base64_sha512_sha512';
    event.subject = {
      subject_type: 'oauth_token',
      token_type: 'refresh_token',
      token_identifier_alg: alg,
      token: tokenIdentifier(request.token, alg),
    };
  } else {
    const account = request.account ? state.findAccount(request.account) : undefined;
    if (!account) return { error: 'account must name a test account' };
    event.subject = { subject_type: 'iss-sub', iss: issuer, sub: account.sub };
    if (request.reason !== undefined) event.reason = request.reason;
  }
  const audience = request.audience ?? state.clients[0]?.clientId;
  if (!audience) return { error: 'no client registered' };
  const key = request.unknownKey ? await state.keys.unpublished() : state.keys.current;
  const payload = {
    iss: issuer,
    aud: audience,
    iat: request.issuedAt ?? Math.floor(state.now() / 1000),
    jti: randomBytes(16).toString('hex'),
    events: { [EVENT_URIS[request.type] as string]: event },
  };
  if (request.unsigned)
    return { jwt: encodeUnsigned({ alg: 'none', typ: 'secevent+jwt' }, payload) };
  const jwt = signRs256(
    { alg: 'RS256', kid: key.kid, typ: 'secevent+jwt' },
    payload,
    key.privateKey,
  );
  return { jwt: request.badSignature ? flipSignature(jwt) : jwt };
}

const DELIVERY_TIMEOUT_MS = 5000;

/** Signs the event and pushes it (RFC 8935) to the registered receiver; returns its answers. */
export async function deliver(
  state: Parameters<Handler>[0],
  request: EventRequest,
): Promise<{ statuses: number[] } | { error: string }> {
  const stream = state.risc.stream;
  if (!stream || stream.status !== 'enabled') return { error: 'no enabled receiver registered' };
  const built = await buildSet(state, request);
  if ('error' in built) return built;
  const statuses: number[] = [];
  for (let i = 0; i < (request.twice ? 2 : 1); i++) {
    const res = await fetch(stream.url, {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
      body: built.jwt,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return { statuses };
}

/** POST /emulator/risc/service-account — a key file allowed to call the management API. */
export const createServiceAccount: Handler = async (state) =>
  jsonReply(201, await state.risc.createServiceAccount(state.url));

/** POST /emulator/risc/events — JSON EventRequest: sign a SET and push it to the receiver. */
export const emitEvent: Handler = async (state, { req }) => {
  const body = await readJson(req);
  if (!body || !isRiscEventName(body.type)) {
    return invalidRequest(`type must be one of ${Object.keys(EVENT_URIS).join(', ')}`);
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const alg = body.tokenIdentifierAlg;
  const result = await deliver(state, {
    type: body.type,
    account: text(body.account),
    reason: text(body.reason),
    state: text(body.state),
    token: text(body.token),
    tokenIdentifierAlg: alg === 'prefix' || alg === 'hash_base64_sha512_sha512' ? alg : undefined,
    badSignature: body.badSignature === true,
    unknownKey: body.unknownKey === true,
    unsigned: body.unsigned === true,
    audience: text(body.audience),
    issuer: text(body.issuer),
    issuedAt: Number.isInteger(body.issuedAt) ? (body.issuedAt as number) : undefined,
    twice: body.twice === true,
  });
  if ('error' in result) return invalidRequest(result.error);
  return jsonReply(200, result);
};
