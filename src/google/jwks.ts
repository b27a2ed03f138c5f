import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import type { PemCerts } from './cert-cache.js';

const jwks = z.object({ keys: z.array(z.looseObject({})) });

/**
 * Google's signing keys from its JWK Set (the discovery document's `jwks_uri`), as PEM by key id.
 * Only RSA keys meant for signatures are kept: a set may also publish keys of other types or
 * uses (RFC 7517 §5: members a client does not understand are to be ignored), and none of those
 * may ever verify an ID token, nor may one unreadable entry cost us the good keys.
 * Returns undefined when the document is not a JWK Set at all.
 */
export function signingKeysFromJwks(data: unknown): PemCerts | undefined {
  const parsed = jwks.safeParse(data);
  if (!parsed.success) return undefined;
  const keys = Object.create(null) as PemCerts;
  for (const jwk of parsed.data.keys) {
    const { kty, kid, use, alg } = jwk;
    if (kty !== 'RSA' || typeof kid !== 'string' || kid === '') continue;
    if (use !== undefined && use !== 'sig') continue;
    if (alg !== undefined && alg !== 'RS256') continue;
    if (Object.hasOwn(keys, kid)) continue; // a second key under one id is ambiguous: the first stands
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      // RFC 7518 §3.3: RS256 keys are 2048 bits or more (this also drops empty moduli).
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (key.asymmetricKeyType !== 'rsa' || bits < 2048) continue;
      keys[kid] = key.export({ type: 'spki', format: 'pem' }).toString();
    } catch {
      // Not a usable RSA public key (bad modulus, private parts only, …): skip it.
    }
  }
  return keys;
}
