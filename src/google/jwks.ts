import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { AppError, Messages } from '../core/errors.js';
import type { FetchedKeys, SigningKeys } from './cert-cache.js';

const jwks = z.object({ keys: z.array(z.looseObject({})) });

/**
 * Google's signing keys from its JWK Set (/oauth2/v3/certs) with their Cache-Control max-age.
 * The JWK Set rather than the PEM map: it says each key's type and use, so keys that are not
 * RSA signing keys can be left out.
 */
export async function fetchSigningKeys(
  transporter: OAuth2Client['transporter'],
  url: string,
): Promise<FetchedKeys> {
  const res = await transporter.request({ url, method: 'GET', responseType: 'json' });
  const maxAge = /max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1];
  const keys = signingKeysFromJwks(res.data);
  if (!keys || Object.keys(keys).length === 0) {
    throw new AppError(502, Messages.googleBadGateway, { code: 'google_certs_unusable' });
  }
  return { keys, maxAgeMs: maxAge ? Number(maxAge) * 1000 : 0 };
}

/**
 * Google's signing keys from its JWK Set (the discovery document's `jwks_uri`), as public
 * KeyObjects by key id, parsed once here: a PEM string would be parsed again by every verify.
 * Only RSA keys meant for signatures are kept: a set may also publish keys of other types or
 * uses (RFC 7517 §5: members a client does not understand are to be ignored), and none of those
 * may ever verify an ID token, nor may one unreadable entry cost us the good keys.
 * Returns undefined when the document is not a JWK Set at all.
 */
export function signingKeysFromJwks(data: unknown): SigningKeys | undefined {
  const parsed = jwks.safeParse(data);
  if (!parsed.success) return undefined;
  const keys = Object.create(null) as SigningKeys;
  for (const jwk of parsed.data.keys) {
    const { kty, kid, use, alg } = jwk;
    if (kty !== 'RSA' || typeof kid !== 'string' || kid === '') continue;
    if (use !== undefined && use !== 'sig') continue;
    if (alg !== undefined && alg !== 'RS256') continue;
    if (Object.hasOwn(keys, kid)) continue; // a second key under one id is ambiguous: the first stands
    const key = rsaSigningKey(jwk);
    if (key) keys[kid] = key;
  }
  return keys;
}

/** The JWK as a public key if it is RSA of 2048 bits or more (RFC 7518 §3.3), else undefined. */
function rsaSigningKey(jwk: JsonWebKey): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    // This also drops empty moduli.
    // Every RSA public key has its details; `?.` is for the type checker (an equivalent mutant).
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return key.asymmetricKeyType === 'rsa' && bits >= 2048 ? key : undefined;
  } catch {
    // Not a usable RSA public key (bad modulus, private parts only, …): skip it. (Emptying this
    // block is an equivalent mutant: it returns undefined too.)
    return undefined;
  }
}
