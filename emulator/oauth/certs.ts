import type { Handler } from '../server/context.js';
import { jsonReply } from '../server/http.js';

function certsHeaders(maxAgeSeconds: number, nowMs: number): Record<string, string> {
  return {
    'cache-control': `public, max-age=${maxAgeSeconds}, must-revalidate, no-transform`,
    expires: new Date(nowMs + maxAgeSeconds * 1000).toUTCString(),
  };
}

/** GET /oauth2/v1/certs — `{kid: SPKI PEM}`, what google-auth-library verifies with in Node. */
export const pemCerts: Handler = (state) => {
  const certs: Record<string, string> = {};
  for (const key of state.keys.published()) certs[key.kid] = key.pem;
  return jsonReply(200, certs, certsHeaders(state.certsMaxAgeSeconds, state.now()));
};

/** GET /oauth2/v3/certs — a JWKS; an `extraKeys` fault adds foreign entries beside the real keys. */
export const jwkCerts: Handler = (state, request) => {
  const keys: object[] = state.keys.published().map((k) => k.jwk);
  if (request.fault?.kind === 'extraKeys') keys.push(...request.fault.jwks);
  return jsonReply(200, { keys }, certsHeaders(state.certsMaxAgeSeconds, state.now()));
};
