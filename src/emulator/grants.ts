import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CODE_LIFETIME_MS = 5 * 60 * 1000;
export const ACCESS_TOKEN_LIFETIME_S = 3599;

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
  expiresAt: number;
}

export interface AccessGrant {
  sub: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

const SHORT_SCOPES: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

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

/**
 * One-time codes and access tokens, in memory with expiry. Expired entries are pruned by
 * `prune()`, which the emulator calls periodically so long benchmarks stay bounded.
 */
export class GrantStore {
  readonly #codes = new Map<string, CodeGrant>();
  readonly #tokens = new Map<string, AccessGrant>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
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
    this.#tokens.set(token, { ...grant, expiresAt: this.#now() + ACCESS_TOKEN_LIFETIME_S * 1000 });
    return token;
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

  revokeAccessToken(token: string): boolean {
    const known = this.findAccessToken(token) !== undefined;
    this.#tokens.delete(token);
    return known;
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
  }

  get size(): { codes: number; tokens: number } {
    return { codes: this.#codes.size, tokens: this.#tokens.size };
  }
}
