export const ENDPOINTS = [
  'token',
  // POST /token with grant_type=refresh_token: its own endpoint for faults and the call log.
  'refresh',
  'tokeninfo',
  'userinfo',
  'certs',
  'revoke',
  'auth',
  'discovery',
  'gsi',
] as const;

export type Endpoint = (typeof ENDPOINTS)[number];

export type IdTokenSigning =
  'rs256' | 'none' | 'hs256-client-secret' | 'flip-signature' | 'unknown-key';

/** A misbehaviour to apply to the next matching request(s). */
export type Fault =
  /** Answer with this status and body (JSON-encoded unless a string, which is sent as-is). */
  | { kind: 'status'; status: number; body?: unknown; contentType?: string }
  /** Wait `ms` (default: until close) and then answer normally. */
  | { kind: 'hang'; ms?: number }
  /** Send the headers, then the normal body one byte per interval. */
  | { kind: 'trickle'; intervalMs: number }
  /** Close the connection without an answer: a network failure as the caller sees it. */
  | { kind: 'reset' }
  /** 200 application/json with a body of exactly `bytes` bytes, streamed. */
  | { kind: 'huge'; bytes: number }
  /** token or gsi (the button's and One Tap's credential): tamper with the ID token (claims/header merged; null deletes). */
  | {
      kind: 'idToken';
      claims?: Record<string, unknown>;
      header?: Record<string, unknown>;
      sign?: IdTokenSigning;
    }
  /** token only: successful response without id_token. */
  | { kind: 'noIdToken' }
  /** gsi only: the redirect mode's form carries another g_csrf_token than the cookie. */
  | { kind: 'csrfMismatch' }
  /** tokeninfo/userinfo only: merged into the otherwise-correct response (null deletes). */
  | { kind: 'claims'; claims: Record<string, unknown> }
  /** certs only: extra JWKs beside the real keys in /oauth2/v3/certs. */
  | { kind: 'extraKeys'; jwks: object[] }
  /** refresh only: 400 invalid_grant "Token has been expired or revoked." (grant kept). */
  | { kind: 'invalidGrant' };

export type FaultKind = Fault['kind'];

/** Faults that change what an endpoint answers, not how the answer travels. */
export const CONTENT_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  'idToken',
  'noIdToken',
  'csrfMismatch',
  'claims',
  'extraKeys',
  'invalidGrant',
]);

const FAULT_KINDS: ReadonlySet<string> = new Set<FaultKind>([
  'status',
  'hang',
  'trickle',
  'huge',
  'reset',
  ...CONTENT_FAULTS,
]);

const SIGNINGS: ReadonlySet<string> = new Set<IdTokenSigning>([
  'rs256',
  'none',
  'hs256-client-secret',
  'flip-signature',
  'unknown-key',
]);

/** Which endpoints each endpoint-specific fault applies to; others apply anywhere. */
const ONLY_ON: Partial<Record<FaultKind, readonly Endpoint[]>> = {
  idToken: ['token', 'gsi'],
  noIdToken: ['token'],
  csrfMismatch: ['gsi'],
  claims: ['tokeninfo', 'userinfo'],
  extraKeys: ['certs'],
  invalidGrant: ['refresh'],
};

export function isEndpoint(value: unknown): value is Endpoint {
  return typeof value === 'string' && (ENDPOINTS as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Checks a fault received as JSON (control endpoint) and returns why it is invalid, if it is. */
export function describeFaultProblem(endpoint: Endpoint, fault: unknown): string | undefined {
  if (!isRecord(fault) || typeof fault.kind !== 'string' || !FAULT_KINDS.has(fault.kind)) {
    return `fault.kind must be one of ${[...FAULT_KINDS].join(', ')}`;
  }
  // The credential is made in the emulator, not sent over a Google endpoint: no transport faults.
  if (endpoint === 'gsi' && !ONLY_ON[fault.kind as FaultKind]?.includes('gsi')) {
    return `fault ${fault.kind} does not apply to gsi (idToken or csrfMismatch do)`;
  }
  const only = ONLY_ON[fault.kind as FaultKind];
  if (only && !only.includes(endpoint)) {
    return `fault ${fault.kind} applies only to ${only.join(', ')}`;
  }
  switch (fault.kind) {
    case 'status':
      return Number.isInteger(fault.status) &&
        Number(fault.status) >= 100 &&
        Number(fault.status) <= 599
        ? undefined
        : 'status must be an integer 100-599';
    case 'hang':
      return fault.ms === undefined || isNonNegative(fault.ms) ? undefined : 'ms must be >= 0';
    case 'trickle':
      return isNonNegative(fault.intervalMs) ? undefined : 'intervalMs must be >= 0';
    case 'huge':
      return Number.isInteger(fault.bytes) && Number(fault.bytes) > 0
        ? undefined
        : 'bytes must be > 0';
    case 'idToken':
      if (fault.claims !== undefined && !isRecord(fault.claims)) return 'claims must be an object';
      if (fault.header !== undefined && !isRecord(fault.header)) return 'header must be an object';
      return fault.sign === undefined ||
        (typeof fault.sign === 'string' && SIGNINGS.has(fault.sign))
        ? undefined
        : `sign must be one of ${[...SIGNINGS].join(', ')}`;
    case 'claims':
      return isRecord(fault.claims) ? undefined : 'claims must be an object';
    case 'extraKeys':
      return Array.isArray(fault.jwks) && fault.jwks.every(isRecord)
        ? undefined
        : 'jwks must be an array of objects';
    default:
      return undefined;
  }
}

interface PlannedFault {
  endpoint: Endpoint;
  fault: Fault;
  remaining: number;
}

/** Faults waiting for requests, first in first out per endpoint. */
export class FaultPlan {
  #planned: PlannedFault[] = [];

  add(endpoint: Endpoint, fault: Fault, times = 1): void {
    const problem = describeFaultProblem(endpoint, fault);
    if (problem) throw new TypeError(`Invalid fault for ${endpoint}: ${problem}`);
    if (!(times >= 1)) throw new TypeError('times must be >= 1 (or Infinity)');
    this.#planned.push({ endpoint, fault, remaining: times });
  }

  /** Takes the fault for the next request to `endpoint`, if one is planned. */
  take(endpoint: Endpoint): Fault | undefined {
    const index = this.#planned.findIndex((p) => p.endpoint === endpoint);
    const planned = this.#planned[index];
    if (!planned) return undefined;
    planned.remaining -= 1;
    if (planned.remaining <= 0) this.#planned.splice(index, 1);
    return planned.fault;
  }

  clear(): void {
    this.#planned = [];
  }
}
