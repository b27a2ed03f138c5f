import type { Handler } from '../server/context.js';
import { jsonReply } from '../server/http.js';

/** GET /.well-known/openid-configuration, Google's document with the emulator's URLs. */
export const discovery: Handler = (state) => {
  const base = state.url;
  return jsonReply(
    200,
    {
      issuer: base,
      authorization_endpoint: `${base}/o/oauth2/v2/auth`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/oauth2/v3/userinfo`,
      revocation_endpoint: `${base}/revoke`,
      jwks_uri: `${base}/oauth2/v3/certs`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: [
        'aud',
        'email',
        'email_verified',
        'exp',
        'family_name',
        'given_name',
        'hd',
        'iat',
        'iss',
        'name',
        'nonce',
        'picture',
        'sub',
      ],
      code_challenge_methods_supported: ['plain', 'S256'],
    },
    { 'cache-control': 'public, max-age=3600' },
  );
};
