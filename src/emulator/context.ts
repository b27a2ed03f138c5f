import type { IncomingMessage } from 'node:http';
import type { TestAccount } from './accounts.js';
import type { RegisteredClient } from './auth-request.js';
import type { Endpoint, Fault, FaultPlan } from './faults.js';
import type { GrantStore } from './grants.js';
import type { Reply } from './http.js';
import type { IdTokenIssuer } from './id-token.js';
import type { KeyRing } from './keys.js';

export interface IssueCodeRequest {
  /** Email or sub of one of the emulator's accounts. */
  account: string;
  clientId: string;
  /** Default 'postmessage' (the popup code client). */
  redirectUri?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  scope?: string;
  /** Default: 'offline' for the popup code client (it always may get a refresh token), else online. */
  accessType?: 'online' | 'offline';
  prompt?: string;
  includeGrantedScopes?: boolean;
}

/** One request received at a Google endpoint. Never holds tokens, codes or secrets. */
export interface CallRecord {
  endpoint: Endpoint;
  method: string;
  /** Path without the query string (which may carry tokens). */
  path: string;
  /** ms, from the emulator's clock. */
  at: number;
}

/** What the request handlers share: the emulator's state. */
export interface EmulatorState {
  readonly url: string;
  readonly accounts: readonly TestAccount[];
  readonly clients: readonly RegisteredClient[];
  readonly grants: GrantStore;
  readonly keys: KeyRing;
  readonly idTokens: IdTokenIssuer;
  readonly faults: FaultPlan;
  readonly calls: CallRecord[];
  readonly certsMaxAgeSeconds: number;
  now(): number;
  findClient(clientId: string): RegisteredClient | undefined;
  findAccount(emailOrSub: string): TestAccount | undefined;
  /** Throws UnknownClientError / UnknownAccountError. */
  issueCode(req: IssueCodeRequest): string;
}

/** The request as handlers see it. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  /** The fault planned for this request, when it changes the content rather than the transport. */
  readonly fault?: Fault;
  /** Form or JSON body parameters (read once). */
  params(): Promise<URLSearchParams>;
}

export type Handler = (state: EmulatorState, request: RequestContext) => Reply | Promise<Reply>;

export class UnknownClientError extends Error {
  constructor() {
    super('Unknown client_id');
  }
}

export class UnknownAccountError extends Error {
  constructor() {
    super('Unknown account');
  }
}
