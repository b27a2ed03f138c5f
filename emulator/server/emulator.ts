/**
 * An offline emulator of Google's OAuth 2.0 / OpenID Connect endpoints, speaking Google's HTTP so
 * google-auth-library talks to it unmodified. It is the development stand-in for Google
 * (`npm run dev`) and the hostile Google of the test suites: `inject()` plans faults per endpoint.
 * Loopback only, never in production.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ACCOUNTS, findAccount, resolveAccount, type TestAccount } from './accounts.js';
import { isLoopbackOrigin, type RegisteredClient } from '../oauth/auth-request.js';
import {
  UnknownAccountError,
  UnknownClientError,
  type CallRecord,
  type EmulatorState,
  type IssueCodeRequest,
  type IssueCredentialRequest,
} from './context.js';
import { CONTENT_FAULTS, FaultPlan, type Endpoint, type Fault } from './faults.js';
import { expandScope, GrantStore, type TimeLimit } from '../oauth/grants.js';
import {
  HttpError,
  jsonReply,
  parseParams,
  readBody,
  send,
  sendHuge,
  sendTrickle,
  type Reply,
} from './http.js';
import { IdTokenIssuer } from '../oauth/id-token.js';
import { createSigningKey, KeyRing } from '../oauth/keys.js';
import { deliver, RiscStreams, type EventRequest } from '../risc/risc.js';
import { findRoute } from './routes.js';

export type { TestAccount } from './accounts.js';
export type {
  CallRecord,
  IssueCodeRequest,
  IssueCredentialRequest,
  IssuedCredential,
} from './context.js';
export type { RegisteredClient } from '../oauth/auth-request.js';
export type { RefreshTokenLifetimeField, TimeLimit } from '../oauth/grants.js';
export type { Endpoint, Fault, IdTokenSigning } from './faults.js';
export type { EventRequest as SecurityEventRequest, RiscEventName } from '../risc/risc.js';

export interface EmulatorOptions {
  /** Default '127.0.0.1'. Must be loopback: 127.x.x.x, ::1 or localhost. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  clients: RegisteredClient[];
  accounts?: TestAccount[];
  /** 'production' is refused. */
  nodeEnv?: string;
  /** Latency added to token/tokeninfo/userinfo/revoke/certs responses. */
  delayMs?: number;
  /** Benchmark mode: reuse a signed ID token per (account, client, nonce) until 5 min before exp. */
  reuseIdTokens?: boolean;
  /** Cache-Control max-age of the certs endpoints; default 3600. */
  certsMaxAgeSeconds?: number;
  /** ms clock; default Date.now. */
  now?: () => number;
  /** Access-token lifetime (expires_in); default 3599 like Google. Short values exercise refresh. */
  accessTokenLifetimeSeconds?: number;
  /**
   * Refresh-token lifetime in ms; default none (a published app). Apps in "Testing" status get
   * 7 days (TESTING_REFRESH_TOKEN_LIFETIME_MS); after it the refresh answers invalid_grant.
   */
  refreshTokenLifetimeMs?: number;
}

export interface Emulator {
  /** Base URL without trailing slash; also the ID tokens' `iss`. */
  readonly url: string;
  readonly accounts: readonly TestAccount[];
  /** A one-time code, as the consent page would issue. */
  issueCode(req: IssueCodeRequest): string;
  /** An ID token, as the button or One Tap would deliver it (with the fault planned for `gsi`). */
  issueCredential(req: IssueCredentialRequest): Promise<string>;
  inject(endpoint: Endpoint, fault: Fault, opts?: { times?: number }): void;
  clearFaults(): void;
  calls(endpoint?: Endpoint): CallRecord[];
  resetCalls(): void;
  /** A new signing key becomes current; returns its kid. keepOld (default true) keeps publishing the old keys. */
  rotateKey(opts?: { keepOld?: boolean }): Promise<string>;
  readonly currentKid: string;
  /** Every refresh token issued so far ends now, as after a Testing-status app's 7 days. */
  expireRefreshTokens(): void;
  /**
   * Time-limited access: the next consent that issues a refresh token (or, with `account`, every
   * consent of that account from now on) gets one that stops working after `seconds` on the
   * emulator's clock; the token responses carry `refresh_token_expires_in` (or `field`).
   */
  limitAccess(limit: TimeLimit & { account?: string }): void;
  /** Removes the time limits set by limitAccess (refresh tokens already issued keep theirs). */
  clearTimeLimits(): void;
  /**
   * The client's consent screen is in "Testing" status (default: every client): each new
   * refresh token lives 7 days and the response says so.
   */
  setTestingStatus(testing: boolean, clientId?: string): void;
  /**
   * Granular consent: from now on `account` (email or sub) unticks these scopes on every consent
   * (sign-in scopes cannot be unticked); tokens carry only the rest. An empty list clears it.
   */
  denyScopes(account: string, scopes: readonly string[]): void;
  readonly accessTokenLifetimeSeconds: number;
  /**
   * Registers `url` (the app's `/risc`) as the Cross-Account Protection receiver, as the app's
   * `stream:update` call with a service account does; every event type, enabled.
   */
  registerSecurityEventReceiver(url: string): void;
  /**
   * Signs a Security Event Token and pushes it to the registered receiver; resolves to the
   * receiver's HTTP statuses. Rejects when no receiver is registered or the request is invalid.
   */
  sendSecurityEvent(event: EventRequest): Promise<number[]>;
  close(): Promise<void>;
}

const PRUNE_INTERVAL_MS = 60_000;
const LOOPBACK_IPV4 = /^127(\.\d{1,3}){3}$/;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || LOOPBACK_IPV4.test(host);
}

function checkOptions(options: EmulatorOptions): void {
  if (options.nodeEnv === 'production') {
    throw new Error('The Google emulator refuses to run with NODE_ENV=production.');
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(
      `The Google emulator listens on loopback only (127.0.0.1, ::1, localhost), not "${host}".`,
    );
  }
  for (const client of options.clients) {
    if (!client.clientId || !client.clientSecret) {
      throw new Error('Every emulator client needs a clientId and a clientSecret.');
    }
  }
}

function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Rejects when `signal` aborts: a hang "forever" that close() or a client disconnect ends. */
function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    // An AbortSignal's reason is an Error (AbortError, or what abort() was given here).
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

function statusFaultReply(fault: Extract<Fault, { kind: 'status' }>): Reply {
  const body =
    fault.body === undefined
      ? JSON.stringify({ error: 'internal_failure', error_description: 'Emulated fault' })
      : typeof fault.body === 'string'
        ? fault.body
        : JSON.stringify(fault.body);
  return {
    status: fault.status,
    headers: { 'content-type': fault.contentType ?? 'application/json; charset=utf-8' },
    body,
  };
}

/** Enough for any test; bounded so a 100 000-sign-in benchmark does not grow memory. */
export const MAX_RECORDED_CALLS = 10_000;

function recordCall(calls: CallRecord[], call: CallRecord): void {
  // Drop the oldest in batches so the array is not shifted on every request.
  if (calls.length >= MAX_RECORDED_CALLS) calls.splice(0, MAX_RECORDED_CALLS / 10);
  calls.push(call);
}

interface Runtime {
  state: EmulatorState;
  delayMs: number;
  closing: AbortSignal;
}

/** Aborts when the emulator closes or the client goes away. */
function requestSignal(runtime: Runtime, req: IncomingMessage, res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  if (req.socket.destroyed) gone.abort();
  else res.once('close', () => gone.abort());
  return AbortSignal.any([runtime.closing, gone.signal]);
}

async function dispatch(
  runtime: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { state } = runtime;
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://emulator.invalid');
  } catch {
    return send(res, jsonReply(400, { error: 'invalid_request' }));
  }
  const route = findRoute(url.pathname);
  if (!route) return send(res, jsonReply(404, { error: 'not_found' }));
  const method = req.method ?? 'GET';
  let params: Promise<URLSearchParams> | undefined;
  const readParams = () =>
    (params ??= readBody(req).then((b) => parseParams(req.headers['content-type'], b)));
  const endpoint = route.endpointFor ? route.endpointFor(await readParams()) : route.endpoint;
  if (endpoint) {
    recordCall(state.calls, { endpoint, method, path: url.pathname, at: state.now() });
  }
  const handler = route.methods[method];
  if (!handler) {
    const allow = Object.keys(route.methods).join(', ');
    return send(res, jsonReply(405, { error: 'method_not_allowed' }, { allow }));
  }
  const origin = req.headers.origin;
  if (route.control && origin !== undefined && !isLoopbackOrigin(origin)) {
    return send(res, jsonReply(403, { error: 'forbidden' }));
  }

  const fault = endpoint ? state.faults.take(endpoint) : undefined;
  const needsSignal =
    (route.delayed && runtime.delayMs > 0) || (fault && !CONTENT_FAULTS.has(fault.kind));
  const signal = needsSignal ? requestSignal(runtime, req, res) : runtime.closing;
  if (route.delayed && runtime.delayMs > 0) await sleep(runtime.delayMs, undefined, { signal });
  if (fault?.kind === 'status') return send(res, statusFaultReply(fault));
  if (fault?.kind === 'huge') return sendHuge(res, fault.bytes, signal);
  if (fault?.kind === 'reset') return void res.destroy();
  if (fault?.kind === 'hang') {
    await (fault.ms === undefined ? waitForAbort(signal) : sleep(fault.ms, undefined, { signal }));
  }

  const reply = await handler(state, {
    req,
    url,
    fault: fault && CONTENT_FAULTS.has(fault.kind) ? fault : undefined,
    params: readParams,
  });
  if (fault?.kind === 'trickle') return sendTrickle(res, reply, fault.intervalMs, signal);
  send(res, reply);
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
  } else if (error instanceof HttpError) {
    send(res, error.reply);
  } else if (error instanceof Error && error.name === 'AbortError') {
    res.destroy();
  } else {
    // Never echo the error: it could quote a request value.
    send(res, jsonReply(500, { error: 'internal_failure' }));
  }
}

function createState(options: EmulatorOptions, url: string, keys: KeyRing): EmulatorState {
  const now = options.now ?? Date.now;
  const accounts = (options.accounts ?? DEFAULT_ACCOUNTS).map((a) => resolveAccount(a, url));
  const clients = options.clients.map((c) => ({ ...c }));
  const grants = new GrantStore(now, {
    accessTokenLifetimeS: options.accessTokenLifetimeSeconds,
    refreshTokenLifetimeMs: options.refreshTokenLifetimeMs,
  });
  const findClient = (clientId: string) => clients.find((c) => c.clientId === clientId);
  const find = (emailOrSub: string) => findAccount(accounts, emailOrSub);
  const faults = new FaultPlan();
  const idTokens = new IdTokenIssuer(keys, { reuse: options.reuseIdTokens ?? false });
  return {
    url,
    accounts,
    clients,
    grants,
    keys,
    idTokens,
    faults,
    calls: [],
    certsMaxAgeSeconds: options.certsMaxAgeSeconds ?? 3600,
    risc: new RiscStreams(),
    now,
    findClient,
    findAccount: find,
    limitAccess(limit: TimeLimit, account?: string) {
      if (!(limit.seconds > 0 && Number.isFinite(limit.seconds))) {
        throw new RangeError('limitAccess: seconds must be a positive number');
      }
      const sub = account === undefined ? undefined : find(account)?.sub;
      if (account !== undefined && sub === undefined) throw new UnknownAccountError();
      grants.limitAccess(limit, sub);
    },
    setTestingStatus(testing: boolean, clientId?: string) {
      const chosen =
        clientId === undefined ? clients : clients.filter((c) => c.clientId === clientId);
      if (chosen.length === 0) throw new UnknownClientError();
      for (const client of chosen) client.testing = testing;
    },
    issueCode(req: IssueCodeRequest): string {
      const client = findClient(req.clientId);
      if (!client) throw new UnknownClientError();
      const account = find(req.account);
      if (!account) throw new UnknownAccountError();
      const redirectUri = req.redirectUri ?? 'postmessage';
      return grants.issueCode({
        sub: account.sub,
        clientId: client.clientId,
        redirectUri,
        // Google's popup code client is made for servers that keep a refresh token.
        accessType: req.accessType ?? (redirectUri === 'postmessage' ? 'offline' : 'online'),
        prompt: req.prompt,
        includeGrantedScopes: req.includeGrantedScopes,
        scope: expandScope(req.scope),
        nonce: req.nonce,
        codeChallenge: req.codeChallenge,
        codeChallengeMethod: req.codeChallenge ? (req.codeChallengeMethod ?? 'plain') : undefined,
      });
    },
    async issueCredential(req: IssueCredentialRequest) {
      const client = findClient(req.clientId);
      if (!client) throw new UnknownClientError();
      const account = find(req.account);
      if (!account) throw new UnknownAccountError();
      const fault = faults.take('gsi');
      const credential = await idTokens.issue(
        {
          issuer: url,
          account,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          azp: req.azp,
          nonce: req.nonce,
          jti: randomBytes(16).toString('hex'),
          nowMs: now(),
        },
        fault?.kind === 'idToken' ? fault : undefined,
      );
      return { credential, csrfMismatch: fault?.kind === 'csrfMismatch' };
    },
  };
}

/** Starts an emulator of Google's OAuth 2.0 / OpenID Connect endpoints; resolves once listening. */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const keys = new KeyRing(await createSigningKey());
  const closing = new AbortController();
  const server = createServer({ keepAliveTimeout: 5000 });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const port = await listen(server, host, options.port ?? 0);
  const url = baseUrl(host, port);
  const state = createState(options, url, keys);
  const runtime: Runtime = { state, delayMs: options.delayMs ?? 0, closing: closing.signal };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    dispatch(runtime, req, res).catch((error: unknown) => fail(res, error));
  });
  // Expired codes and tokens are dropped so long benchmarks keep a flat memory profile.
  const pruner = setInterval(() => state.grants.prune(), PRUNE_INTERVAL_MS);
  pruner.unref();

  let closed: Promise<void> | undefined;
  return {
    url,
    accounts: state.accounts,
    issueCode: (req) => state.issueCode(req),
    issueCredential: async (req) => (await state.issueCredential(req)).credential,
    inject: (endpoint, fault, opts) => state.faults.add(endpoint, fault, opts?.times ?? 1),
    clearFaults: () => state.faults.clear(),
    calls: (endpoint) =>
      state.calls
        .filter((c) => endpoint === undefined || c.endpoint === endpoint)
        .map((c) => ({ ...c })),
    resetCalls: () => {
      state.calls.length = 0;
    },
    rotateKey: async (opts) => (await keys.rotate(opts?.keepOld ?? true)).kid,
    get currentKid() {
      return keys.current.kid;
    },
    expireRefreshTokens: () => state.grants.expireRefreshTokens(),
    limitAccess: ({ account, ...limit }) => state.limitAccess(limit, account),
    clearTimeLimits: () => state.grants.clearTimeLimits(),
    setTestingStatus: (testing, clientId) => state.setTestingStatus(testing, clientId),
    denyScopes: (account, scopes) => {
      const found = state.findAccount(account);
      if (!found) throw new UnknownAccountError();
      state.grants.denyScopes(found.sub, scopes);
    },
    accessTokenLifetimeSeconds: state.grants.accessTokenLifetimeS,
    registerSecurityEventReceiver: (receiverUrl) => {
      state.risc.stream = { url: receiverUrl, eventsRequested: [], status: 'enabled' };
    },
    sendSecurityEvent: async (event) => {
      const result = await deliver(state, event);
      if ('error' in result) throw new Error(`sendSecurityEvent: ${result.error}`);
      return result.statuses;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        closing.abort();
        clearInterval(pruner);
        state.grants.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
