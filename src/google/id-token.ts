import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { AppError, Messages } from '../core/errors.js';
import { callGoogle } from './call-boundary.js';
import type { SigningKeys } from './cert-cache.js';
import type { GoogleConfiguration } from './configuration.js';
import type { ExpectedIdToken, IdTokenClaims } from './types.js';

/** Clock skew allowed on `iat`/`exp`: google-auth-library's fixed 300 s. */
export const ID_TOKEN_CLOCK_SKEW_SECONDS = 300;

const jwtHeader = z.looseObject({ alg: z.string(), kid: z.string().optional() });

/**
 * Checks an ID token as DESIGN.md says: RS256 only, signature against Google's keys, `aud` = our
 * client, `iss` one of Google's issuers, `exp`/`iat`, and, when the flow sent one, the nonce.
 * `expected.clients` widens "our client" for `aud` and `azp` to the app's native clients.
 */
export async function verifyIdToken(
  config: GoogleConfiguration,
  idToken: string,
  expected: ExpectedIdToken = {},
): Promise<IdTokenClaims> {
  const header = decodeHeader(idToken);
  // RS256 only: `none` and HMAC (keyed with our own client secret) are forgeries.
  if (header.alg !== 'RS256') throw invalidIdToken('alg is not RS256');
  const known = await callGoogle('certs', () => config.keys.keysFor(header.kid), config.logger);
  const clients = expected.clients ?? [config.clientId];
  const payload = await checkSignedJwt(config, idToken, candidateKeys(header.kid, known), clients);
  if (!payload || typeof payload.sub !== 'string' || payload.sub === '')
    throw invalidIdToken('no sub');
  // Android's tokens: aud = the web client, azp = the Android client; iOS's: both the iOS one.
  if (payload.azp !== undefined && !clients.includes(payload.azp as string))
    throw invalidIdToken('azp is not our client');
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce)
    throw invalidIdToken('nonce mismatch');
  return payload as unknown as IdTokenClaims;
}

/** Signature, `aud`, `iss`, `exp` and `iat`, by google-auth-library. */
async function checkSignedJwt(
  config: GoogleConfiguration,
  idToken: string,
  keys: SigningKeys,
  clients: readonly string[],
): Promise<Record<string, unknown> | undefined> {
  try {
    const ticket = await config.oauth.verifySignedJwtWithCertsAsync(
      idToken,
      // Typed as PEM strings, but handed to crypto's verify as they are, which takes a KeyObject
      // too and so skips parsing a PEM on every token.
      keys as unknown as Record<string, string>,
      // One of these as `aud` (the library accepts a list).
      [...clients],
      config.endpoints.issuers,
    );
    return ticket.getPayload() as Record<string, unknown> | undefined;
  } catch (err) {
    // The library's messages quote the whole token: keep them out of logs. (It throws only
    // Errors: the 'verification failed' fallback is for the type checker, an equivalent mutant.)
    throw invalidIdToken(
      err instanceof Error ? (err.message.split(':')[0] ?? '') : 'verification failed',
    );
  }
}

function decodeHeader(jwt: string): z.infer<typeof jwtHeader> {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw invalidIdToken('not a JWT');
  try {
    // After the three-part check parts[0] is always there (`?? ''` is for the type checker).
    return jwtHeader.parse(JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')));
  } catch {
    throw invalidIdToken('unreadable JWT header');
  }
}

/**
 * The keys to try: the one the header names, or, for a header without `kid`, the only key
 * there is (OpenID Connect Core 10.1: `kid` is required only when there are several).
 */
function candidateKeys(kid: string | undefined, keys: SigningKeys): SigningKeys {
  if (kid !== undefined) {
    // Own keys only: a kid such as "constructor" must not find Object.prototype's members.
    const key: KeyObject | undefined = Object.hasOwn(keys, kid) ? keys[kid] : undefined;
    if (key === undefined) throw invalidIdToken('unknown kid');
    return { [kid]: key };
  }
  const all = Object.values(keys);
  if (all.length !== 1 || all[0] === undefined) throw invalidIdToken('no kid and several keys');
  // google-auth-library looks the key up by the header's kid; an absent kid reads as "undefined".
  return { undefined: all[0] };
}

function invalidIdToken(reason: string): AppError {
  return new AppError(401, Messages.invalidIdToken, {
    code: 'invalid_id_token',
    cause: new Error(reason),
  });
}
