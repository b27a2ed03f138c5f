import type { TestAccount } from '../server/accounts.js';
import type { Fault } from '../server/faults.js';
import {
  computeAtHash,
  encodeUnsigned,
  flipSignature,
  mergeOrDelete,
  signHs256,
  signRs256,
  type JsonObject,
} from './jwt.js';
import type { KeyRing, SigningKey } from './keys.js';

export const ID_TOKEN_LIFETIME_S = 3600;
const REUSE_MARGIN_S = 5 * 60;
const REUSE_CACHE_LIMIT = 10_000;

export type IdTokenFault = Extract<Fault, { kind: 'idToken' }>;

export interface IdTokenRequest {
  issuer: string;
  account: TestAccount;
  clientId: string;
  clientSecret: string;
  /** `azp` when it is not `clientId` (an Android app's client; `aud` stays `clientId`). */
  azp?: string | undefined;
  /** The code flow's access token, hashed into `at_hash`; the button's credentials have none. */
  accessToken?: string;
  nonce?: string;
  /** Google Identity Services' credentials (button, One Tap) carry a unique `jti` and `nbf`. */
  jti?: string;
  nowMs: number;
}

/** How long before `iat` a GIS credential's `nbf` lies, as in Google's own credentials. */
export const CREDENTIAL_NBF_LEAD_S = 300;

/** Builds and signs Google-shaped ID tokens, honestly or (on request) in hostile ways. */
export class IdTokenIssuer {
  readonly #keys: KeyRing;
  readonly #reuse: boolean;
  readonly #cache = new Map<string, { jwt: string; exp: number }>();

  constructor(keys: KeyRing, opts: { reuse: boolean }) {
    this.#keys = keys;
    this.#reuse = opts.reuse;
  }

  async issue(req: IdTokenRequest, fault?: IdTokenFault): Promise<string> {
    if (fault) {
      const key =
        fault.sign === 'unknown-key' ? await this.#keys.unpublished() : this.#keys.current;
      return this.#forge(req, fault, key);
    }
    // Each credential has its own jti, so none can come from the benchmark's cache.
    if (req.jti !== undefined)
      return this.#sign(this.#header(this.#keys.current), this.#payload(req, true));
    if (!this.#reuse) return this.#sign(this.#header(this.#keys.current), this.#payload(req, true));
    return this.#reused(req);
  }

  /**
   * Benchmark mode: one signature per (account, client, nonce, key) until 5 minutes before expiry,
   * so RSA signing is not the bottleneck. at_hash is left out (it is optional for the code flow's
   * token endpoint response) because a reused token cannot hash every access token.
   */
  #reused(req: IdTokenRequest): string {
    const key = this.#keys.current;
    const cacheKey = `${req.account.sub}\n${req.clientId}\n${req.nonce ?? ''}\n${key.kid}`;
    const nowS = Math.floor(req.nowMs / 1000);
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.exp - REUSE_MARGIN_S > nowS) return cached.jwt;
    const payload = this.#payload(req, false);
    const jwt = this.#sign(this.#header(key), payload);
    if (this.#cache.size >= REUSE_CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(cacheKey, { jwt, exp: Number(payload.exp) });
    return jwt;
  }

  #forge(req: IdTokenRequest, fault: IdTokenFault, key: SigningKey): string {
    const signing = fault.sign ?? 'rs256';
    const base = this.#header(key);
    if (signing === 'none') base.alg = 'none';
    if (signing === 'hs256-client-secret') base.alg = 'HS256';
    const header = mergeOrDelete(base, fault.header);
    const payload = mergeOrDelete(this.#payload(req, true), fault.claims);
    switch (signing) {
      case 'none':
        return encodeUnsigned(header, payload);
      case 'hs256-client-secret':
        return signHs256(header, payload, req.clientSecret);
      case 'flip-signature':
        return flipSignature(signRs256(header, payload, key.privateKey));
      default:
        return signRs256(header, payload, key.privateKey);
    }
  }

  #sign(header: JsonObject, payload: JsonObject): string {
    return signRs256(header, payload, this.#keys.current.privateKey);
  }

  #header(key: SigningKey): JsonObject {
    return { alg: 'RS256', kid: key.kid, typ: 'JWT' };
  }

  #payload(req: IdTokenRequest, withAtHash: boolean): JsonObject {
    const { account } = req;
    const iat = Math.floor(req.nowMs / 1000);
    return {
      iss: req.issuer,
      azp: req.azp ?? req.clientId,
      aud: req.clientId,
      sub: account.sub,
      ...(account.hd ? { hd: account.hd } : {}),
      email: account.email,
      email_verified: account.emailVerified,
      ...(withAtHash && req.accessToken !== undefined
        ? { at_hash: computeAtHash(req.accessToken) }
        : {}),
      ...(req.nonce !== undefined ? { nonce: req.nonce } : {}),
      ...(req.jti !== undefined ? { jti: req.jti, nbf: iat - CREDENTIAL_NBF_LEAD_S } : {}),
      name: account.name,
      picture: account.picture,
      given_name: account.givenName,
      family_name: account.familyName,
      iat,
      exp: iat + ID_TOKEN_LIFETIME_S,
    };
  }
}
