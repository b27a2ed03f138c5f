import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CODE_LIFETIME_MS = 5 * 60 * 1000;
export const ACCESS_TOKEN_LIFETIME_S = 3599;
/** Google's refresh-token life for apps whose consent screen is in "Testing" status: 7 days. */
export const TESTING_REFRESH_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export const DEFAULT_SCOPE =
  'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile';

export interface CodeGrant {
  sub: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  /** 'offline' asks for a refresh token (given on first consent, or again with prompt=consent). */
  accessType?: 'online' | 'offline';
  /** Space-separated; `consent` forces the consent screen, and so a new refresh token. */
  prompt?: string;
  /** include_granted_scopes=true: the tokens cover the scopes granted before as well. */
  includeGrantedScopes?: boolean;
  expiresAt: number;
}

export interface AccessGrant {
  sub: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

/** A refresh token: the user's grant to a client, until revoked (or expired, in Testing status). */
export interface RefreshGrant {
  sub: string;
  clientId: string;
  scope: string;
  /** undefined: never expires (a published app). */
  expiresAt: number | undefined;
  /** The token responses say how long it has left (time-limited access, Testing status). */
  announced?: RefreshTokenLifetimeField | undefined;
}

/** Google's name for the refresh token's remaining life, or the IETF draft's. */
export type RefreshTokenLifetimeField = 'refresh_token_expires_in' | 'refresh_token_timeout';

/** Access the user grants for a limited time (Google's time-based access), in seconds. */
export interface TimeLimit {
  seconds: number;
  /** The response field that carries it; default Google's refresh_token_expires_in. */
  field?: RefreshTokenLifetimeField;
}

/** What a user granted a client: the scopes, and the refresh tokens issued for them. */
interface Consent {
  scopes: Set<string>;
  refreshTokens: Set<string>;
}

/** The outcome of a code exchange's consent: the scope the tokens carry, a refresh token maybe. */
export interface ConsentResult {
  scope: string;
  refreshToken: string | undefined;
  /** The refresh token's lifetime as the response announces it, when it has one. */
  refreshTokenLifetime?: { field: RefreshTokenLifetimeField; seconds: number } | undefined;
}

export interface GrantStoreOptions {
  /** Access-token lifetime in seconds; default 3599 like Google. */
  accessTokenLifetimeS?: number;
  /** Refresh-token lifetime in ms; default none (published app). */
  refreshTokenLifetimeMs?: number;
}

const SHORT_SCOPES: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

/** What a sign-in needs: Google's consent screen never lets the user untick these. */
export function isSignInScope(scope: string): boolean {
  return scope === 'openid' || Object.values(SHORT_SCOPES).includes(SHORT_SCOPES[scope] ?? scope);
}

/** Expands `email`/`profile` to Google's full scope URLs, as Google reports granted scopes. */
export function expandScope(scope: string | undefined): string {
  const parts = (scope ?? '').split(/\s+/).filter(Boolean);
  if (parts.length === 0) return DEFAULT_SCOPE;
  return [...new Set(parts.map((s) => SHORT_SCOPES[s] ?? s))].join(' ');
}

/** RFC 7636 §4.6: does `verifier` match the challenge the code was issued with? */
export function verifyPkce(grant: CodeGrant, verifier: string | undefined): boolean {
  if (!grant.codeChallenge) return true;
  if (!verifier) return false;
  const derived =
    grant.codeChallengeMethod === 'plain'
      ? verifier
      : createHash('sha256').update(verifier, 'ascii').digest('base64url');
  const a = Buffer.from(derived);
  const b = Buffer.from(grant.codeChallenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

function consentKey(sub: string, clientId: string): string {
  return `${clientId} ${sub}`;
}

function wantsConsentPrompt(prompt: string | undefined): boolean {
  return (prompt ?? '').split(/\s+/).includes('consent');
}

/**
 * One-time codes, access tokens, refresh tokens and the consents behind them, in memory with
 * expiry. Like Google, revoking any token of a grant revokes the whole grant (every token of
 * that user and client). Expired codes and access tokens are pruned by `prune()`, which the
 * emulator calls periodically so long benchmarks stay bounded.
 */
export class GrantStore {
  readonly #codes = new Map<string, CodeGrant>();
  readonly #tokens = new Map<string, AccessGrant>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();
  readonly #consents = new Map<string, Consent>();
  /** Per account (sub): scopes the user unticks on every consent until cleared. */
  readonly #denied = new Map<string, Set<string>>();
  readonly #now: () => number;
  readonly #accessTokenLifetimeS: number;
  readonly #refreshTokenLifetimeMs: number | undefined;
  /** The next consent that issues a refresh token is time-limited (then this is cleared). */
  #nextTimeLimit: TimeLimit | undefined;
  /** Every consent of these accounts (by sub) is time-limited. */
  readonly #accountTimeLimits = new Map<string, TimeLimit>();

  constructor(now: () => number, options: GrantStoreOptions = {}) {
    this.#now = now;
    this.#accessTokenLifetimeS = options.accessTokenLifetimeS ?? ACCESS_TOKEN_LIFETIME_S;
    this.#refreshTokenLifetimeMs = options.refreshTokenLifetimeMs;
  }

  get accessTokenLifetimeS(): number {
    return this.#accessTokenLifetimeS;
  }

  issueCode(grant: Omit<CodeGrant, 'expiresAt'>): string {
    // Google's codes start with "4/0A"; 256 random bits after that.
    const code = `4/0A${randomBytes(32).toString('base64url')}`;
    this.#codes.set(code, { ...grant, expiresAt: this.#now() + CODE_LIFETIME_MS });
    return code;
  }

  /** Consumes the code whatever happens next, so it cannot be replayed. */
  consumeCode(code: string): CodeGrant | undefined {
    const grant = this.#codes.get(code);
    if (!grant) return undefined;
    this.#codes.delete(code);
    return grant.expiresAt > this.#now() ? grant : undefined;
  }

  issueAccessToken(grant: Omit<AccessGrant, 'expiresAt'>): string {
    const token = `ya29.${randomBytes(32).toString('base64url')}`;
    this.#tokens.set(token, {
      ...grant,
      expiresAt: this.#now() + this.#accessTokenLifetimeS * 1000,
    });
    return token;
  }

  /**
   * Records the user's approval behind an exchanged code: the scopes add up per user and client;
   * with include_granted_scopes the tokens carry all of them, otherwise the requested ones. A
   * refresh token comes with access_type=offline on the first consent, or again with
   * prompt=consent; older refresh tokens stay valid.
   */
  consent(grant: CodeGrant, client: { testing?: boolean | undefined } = {}): ConsentResult {
    const key = consentKey(grant.sub, grant.clientId);
    const consent = this.#consents.get(key) ?? { scopes: new Set(), refreshTokens: new Set() };
    this.#consents.set(key, consent);
    const denied = this.#denied.get(grant.sub);
    // Granular consent: what the user unticked (denyScopes) is neither granted nor remembered.
    const approved = grant.scope
      .split(' ')
      .filter((s) => s !== '' && (isSignInScope(s) || !denied?.has(s)));
    for (const s of approved) consent.scopes.add(s);
    const scope = grant.includeGrantedScopes ? [...consent.scopes].join(' ') : approved.join(' ');
    const firstConsent = consent.refreshTokens.size === 0;
    if (grant.accessType !== 'offline' || !(firstConsent || wantsConsentPrompt(grant.prompt))) {
      return { scope, refreshToken: undefined };
    }
    // Google's refresh tokens start with "1//".
    const refreshToken = `1//0${randomBytes(32).toString('base64url')}`;
    const announced = this.#announcedLifetime(grant.sub, client.testing === true);
    const lifetime = announced ? announced.seconds * 1000 : this.#refreshTokenLifetimeMs;
    this.#refreshTokens.set(refreshToken, {
      sub: grant.sub,
      clientId: grant.clientId,
      scope,
      expiresAt: lifetime === undefined ? undefined : this.#now() + lifetime,
      announced: announced?.field,
    });
    consent.refreshTokens.add(refreshToken);
    return { scope, refreshToken, refreshTokenLifetime: announced };
  }

  /**
   * The lifetime a new refresh token gets and its response announces: the shorter of a time
   * limit (the next consent's, else the account's) and Testing status's 7 days.
   */
  #announcedLifetime(
    sub: string,
    testing: boolean,
  ): { field: RefreshTokenLifetimeField; seconds: number } | undefined {
    const limit = this.#nextTimeLimit ?? this.#accountTimeLimits.get(sub);
    this.#nextTimeLimit = undefined;
    const testingSeconds = testing ? TESTING_REFRESH_TOKEN_LIFETIME_MS / 1000 : Infinity;
    const seconds = Math.min(limit?.seconds ?? Infinity, testingSeconds);
    if (seconds === Infinity) return undefined;
    return { field: limit?.field ?? 'refresh_token_expires_in', seconds };
  }

  /**
   * Time-limited access: the next consent that issues a refresh token (no `sub`), or every
   * consent of that account from now on, gets a refresh token that stops working after
   * `limit.seconds` on this store's clock, and the response says so.
   */
  limitAccess(limit: TimeLimit, sub?: string): void {
    if (sub === undefined) this.#nextTimeLimit = limit;
    else this.#accountTimeLimits.set(sub, limit);
  }

  /** No more time limits (grants already time-limited stay so). */
  clearTimeLimits(): void {
    this.#nextTimeLimit = undefined;
    this.#accountTimeLimits.clear();
  }

  /** The remaining life (seconds) a refresh response announces for this grant, if it does. */
  announcedRemaining(
    grant: RefreshGrant,
  ): { field: RefreshTokenLifetimeField; seconds: number } | undefined {
    if (grant.announced === undefined || grant.expiresAt === undefined) return undefined;
    const seconds = Math.max(1, Math.floor((grant.expiresAt - this.#now()) / 1000));
    return { field: grant.announced, seconds };
  }

  /**
   * From now on the account unticks these scopes on every consent (as a person could on Google's
   * screen since 2024); sign-in scopes cannot be unticked. An empty list clears the knob.
   */
  denyScopes(sub: string, scopes: readonly string[]): void {
    const deniable = scopes.map((s) => SHORT_SCOPES[s] ?? s).filter((s) => !isSignInScope(s));
    if (deniable.length === 0) this.#denied.delete(sub);
    else this.#denied.set(sub, new Set(deniable));
  }

  /** The grant of a live refresh token; undefined when unknown, revoked or expired. */
  findRefreshToken(token: string): RefreshGrant | undefined {
    const grant = this.#refreshTokens.get(token);
    if (!grant) return undefined;
    if (grant.expiresAt !== undefined && grant.expiresAt <= this.#now()) return undefined;
    // Like Google's, a refresh token stands for the user's whole grant to the client: scopes
    // added later (incremental authorization, no new refresh token) come with its access tokens.
    const consent = this.#consents.get(consentKey(grant.sub, grant.clientId));
    return consent ? { ...grant, scope: [...consent.scopes].join(' ') } : grant;
  }

  /** Ends every refresh token now, as the 7-day limit of an app in Testing status does. */
  expireRefreshTokens(): void {
    const now = this.#now();
    for (const grant of this.#refreshTokens.values()) grant.expiresAt = now;
  }

  /**
   * Google's revoke: an access or refresh token names a grant, and the whole grant goes (all of
   * that user's tokens for that client, and the consent, so the next approval is a first one).
   */
  revokeGrant(token: string): boolean {
    const grant = this.findAccessToken(token) ?? this.findRefreshToken(token);
    if (!grant) return false;
    const key = consentKey(grant.sub, grant.clientId);
    for (const [t, g] of this.#tokens)
      if (consentKey(g.sub, g.clientId) === key) this.#tokens.delete(t);
    for (const t of this.#consents.get(key)?.refreshTokens ?? []) this.#refreshTokens.delete(t);
    this.#consents.delete(key);
    return true;
  }

  findAccessToken(token: string): AccessGrant | undefined {
    const grant = this.#tokens.get(token);
    if (!grant) return undefined;
    if (grant.expiresAt <= this.#now()) {
      this.#tokens.delete(token);
      return undefined;
    }
    return grant;
  }

  prune(): void {
    const now = this.#now();
    for (const [code, grant] of this.#codes) if (grant.expiresAt <= now) this.#codes.delete(code);
    for (const [token, grant] of this.#tokens)
      if (grant.expiresAt <= now) this.#tokens.delete(token);
  }

  clear(): void {
    this.#codes.clear();
    this.#tokens.clear();
    this.#refreshTokens.clear();
    this.#consents.clear();
    this.clearTimeLimits();
    this.#denied.clear();
  }

  get size(): { codes: number; tokens: number; refreshTokens: number } {
    return {
      codes: this.#codes.size,
      tokens: this.#tokens.size,
      refreshTokens: this.#refreshTokens.size,
    };
  }
}
