import type { IncomingMessage } from 'node:http';
import type { TestAccount } from './accounts.js';
import type { RegisteredClient } from '../oauth/auth-request.js';
import type { Endpoint, Fault, FaultPlan } from './faults.js';
import type { GrantStore, TimeLimit } from '../oauth/grants.js';
import type { Reply } from './http.js';
import type { IdTokenIssuer } from '../oauth/id-token.js';
import type { KeyRing } from '../oauth/keys.js';
import type { RiscStreams } from '../risc/streams.js';

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

/** A sign-in with Google's button or One Tap: an ID token straight to the page (no code). */
export interface IssueCredentialRequest {
  /** Email or sub of one of the emulator's accounts. */
  account: string;
  /** The token's `aud`: the client it was issued to (registered with the emulator). */
  clientId: string;
  /**
   * The token's `azp` when it is not `clientId`: an Android app's client ID, whose tokens name
   * the web client as `aud` and the Android client as `azp` (iOS's name the iOS client in both).
   */
  azp?: string;
  /** The nonce the page passed to google.accounts.id.initialize. */
  nonce?: string;
}

/** What the button and One Tap deliver, with the fault planned for the `gsi` endpoint. */
export interface IssuedCredential {
  credential: string;
  /** Fault `csrfMismatch`: the redirect mode's form field will not match the cookie. */
  csrfMismatch: boolean;
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
  /** Cross-Account Protection: the registered receiver and service accounts. */
  readonly risc: RiscStreams;
  now(): number;
  findClient(clientId: string): RegisteredClient | undefined;
  findAccount(emailOrSub: string): TestAccount | undefined;
  /** Throws UnknownClientError / UnknownAccountError. */
  issueCode(req: IssueCodeRequest): string;
  /** Takes the fault planned for `gsi`, if any. Throws UnknownClientError / UnknownAccountError. */
  issueCredential(req: IssueCredentialRequest): Promise<IssuedCredential>;
  /** Time-limited access (GrantStore.limitAccess). Throws RangeError / UnknownAccountError. */
  limitAccess(limit: TimeLimit, account?: string): void;
  /** Testing status for a client (default every client). Throws UnknownClientError. */
  setTestingStatus(testing: boolean, clientId?: string): void;
}

/** The request as handlers see it. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  /** The fault planned for this request, when it changes the content rather than the transport. */
  readonly fault?: Fault;
  /** Form or JSON body parameters (read once). */
  readonly params: () => Promise<URLSearchParams>;
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
