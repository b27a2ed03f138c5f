import { verify } from 'node:crypto';
import { authenticateClient } from './client-auth.js';
import type { EmulatorState, Handler, RequestContext } from '../server/context.js';
import { verifyPkce, type AccessGrant } from './grants.js';
import { bearerToken, invalidRequest, jsonReply, type Reply } from '../server/http.js';
import { decodeJwt, mergeOrDelete, type JsonObject } from './jwt.js';

const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Bad Request' };
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Unauthorized' };
/** Google's answer to a refresh with a revoked, expired or unknown refresh token. */
const EXPIRED_OR_REVOKED = {
  error: 'invalid_grant',
  error_description: 'Token has been expired or revoked.',
};
const TOKENINFO_INVALID = { error: 'invalid_token', error_description: 'Invalid Value' };

function claimsFault(request: RequestContext): JsonObject | undefined {
  return request.fault?.kind === 'claims' ? request.fault.claims : undefined;
}

/** POST /token — the authorization code grant and the refresh token grant. */
export const token: Handler = async (state, request) => {
  const params = await request.params();
  const grantType = params.get('grant_type') ?? '';
  if (grantType === 'authorization_code') return codeGrant(state, request, params);
  if (grantType === 'refresh_token') return refreshGrant(state, request, params);
  return jsonReply(400, {
    error: 'unsupported_grant_type',
    error_description: `Invalid grant_type: ${grantType}`,
  });
};

/**
 * grant_type=refresh_token: a new access token for the grant, never a new refresh token (the
 * one sent stays valid). An unknown, revoked or expired one is Google's invalid_grant.
 */
function refreshGrant(
  state: EmulatorState,
  request: RequestContext,
  params: URLSearchParams,
): Reply {
  const client = authenticateClient(request.req, params, (id) => state.findClient(id));
  if (!client) return jsonReply(401, INVALID_CLIENT);
  const refreshToken = params.get('refresh_token');
  if (!refreshToken) return invalidRequest('Missing required parameter: refresh_token');
  if (request.fault?.kind === 'invalidGrant') return jsonReply(400, EXPIRED_OR_REVOKED);
  const grant = state.grants.findRefreshToken(refreshToken);
  if (!grant || grant.clientId !== client.clientId || !state.findAccount(grant.sub)) {
    return jsonReply(400, EXPIRED_OR_REVOKED);
  }
  const accessToken = state.grants.issueAccessToken({
    sub: grant.sub,
    clientId: grant.clientId,
    scope: grant.scope,
  });
  const remaining = state.grants.announcedRemaining(grant);
  return jsonReply(
    200,
    {
      access_token: accessToken,
      expires_in: state.grants.accessTokenLifetimeS,
      scope: grant.scope,
      token_type: 'Bearer',
      ...(remaining ? { [remaining.field]: remaining.seconds } : {}),
    },
    { pragma: 'no-cache' },
  );
}

/** grant_type=authorization_code: the one-time code for tokens (and the consent it stands for). */
async function codeGrant(
  state: EmulatorState,
  request: RequestContext,
  params: URLSearchParams,
): Promise<Reply> {
  const client = authenticateClient(request.req, params, (id) => state.findClient(id));
  if (!client) return jsonReply(401, INVALID_CLIENT);
  const code = params.get('code');
  if (!code) return invalidRequest('Missing required parameter: code');

  // Consume the code on the first attempt, whatever the outcome, so it can never be replayed.
  const grant = state.grants.consumeCode(code);
  if (
    !grant ||
    grant.clientId !== client.clientId ||
    grant.redirectUri !== params.get('redirect_uri') ||
    !verifyPkce(grant, params.get('code_verifier') ?? undefined)
  ) {
    return jsonReply(400, INVALID_GRANT);
  }
  const account = state.findAccount(grant.sub);
  if (!account) return jsonReply(400, INVALID_GRANT);

  const consent = state.grants.consent(grant, client);
  const accessToken = state.grants.issueAccessToken({
    sub: account.sub,
    clientId: client.clientId,
    scope: consent.scope,
  });
  const response: JsonObject = {
    access_token: accessToken,
    expires_in: state.grants.accessTokenLifetimeS,
    scope: consent.scope,
    token_type: 'Bearer',
    ...(consent.refreshToken ? { refresh_token: consent.refreshToken } : {}),
    ...(consent.refreshTokenLifetime
      ? { [consent.refreshTokenLifetime.field]: consent.refreshTokenLifetime.seconds }
      : {}),
  };
  if (request.fault?.kind !== 'noIdToken') {
    response.id_token = await state.idTokens.issue(
      {
        issuer: state.url,
        account,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        accessToken,
        nonce: grant.nonce,
        nowMs: state.now(),
      },
      request.fault?.kind === 'idToken' ? request.fault : undefined,
    );
  }
  return jsonReply(200, response, { pragma: 'no-cache' });
}

function accessTokenInfo(state: EmulatorState, grant: AccessGrant): JsonObject {
  const account = state.findAccount(grant.sub);
  const expiresIn = Math.max(0, Math.ceil((grant.expiresAt - state.now()) / 1000));
  return {
    azp: grant.clientId,
    aud: grant.clientId,
    sub: grant.sub,
    scope: grant.scope,
    exp: String(Math.floor(grant.expiresAt / 1000)),
    expires_in: String(expiresIn),
    email: account?.email,
    email_verified: String(account?.emailVerified ?? false),
    access_type: 'online',
  };
}

/** Google's tokeninfo for an ID token: its claims as strings, after checking the signature. */
function idTokenInfo(state: EmulatorState, idToken: string): JsonObject | undefined {
  const decoded = decodeJwt(idToken);
  if (!decoded || decoded.header.alg !== 'RS256' || typeof decoded.header.kid !== 'string') {
    return undefined;
  }
  const key = state.keys.find(decoded.header.kid);
  if (!key) return undefined;
  const valid = verify(
    'sha256',
    Buffer.from(decoded.signingInput),
    key.publicKey,
    decoded.signature,
  );
  if (!valid || !(Number(decoded.payload.exp) * 1000 > state.now())) return undefined;
  const info: JsonObject = {};
  for (const [name, value] of Object.entries({ ...decoded.payload, ...decoded.header })) {
    info[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return info;
}

/** GET /tokeninfo?access_token=… | ?id_token=…, or POST with Bearer (google-auth-library). */
export const tokeninfo: Handler = async (state, request) => {
  const body = request.req.method === 'POST' ? await request.params() : new URLSearchParams();
  const query = request.url.searchParams;
  const idToken = query.get('id_token') ?? body.get('id_token');
  let info: JsonObject | undefined;
  if (idToken) {
    info = idTokenInfo(state, idToken);
  } else {
    const accessToken =
      query.get('access_token') ?? body.get('access_token') ?? bearerToken(request.req);
    const grant = accessToken ? state.grants.findAccessToken(accessToken) : undefined;
    info = grant && accessTokenInfo(state, grant);
  }
  if (!info) return jsonReply(400, TOKENINFO_INVALID);
  return jsonReply(200, mergeOrDelete(info, claimsFault(request)));
};

function userinfoUnauthorized(): Reply {
  return jsonReply(
    401,
    { error: 'invalid_request', error_description: 'Invalid Credentials' },
    { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  );
}

/** GET /oauth2/v3/userinfo with Authorization: Bearer. */
export const userinfo: Handler = (state, request) => {
  const accessToken = bearerToken(request.req) ?? request.url.searchParams.get('access_token');
  const grant = accessToken ? state.grants.findAccessToken(accessToken) : undefined;
  const account = grant && state.findAccount(grant.sub);
  if (!account) return userinfoUnauthorized();
  const info: JsonObject = {
    sub: account.sub,
    name: account.name,
    given_name: account.givenName,
    family_name: account.familyName,
    picture: account.picture,
    email: account.email,
    email_verified: account.emailVerified,
    ...(account.hd ? { hd: account.hd } : {}),
  };
  return jsonReply(200, mergeOrDelete(info, claimsFault(request)));
};

/** POST /revoke?token=… (or token in the form body): an access or refresh token; the whole grant goes. */
export const revoke: Handler = async (state, request) => {
  const body = request.req.method === 'POST' ? await request.params() : new URLSearchParams();
  const token = request.url.searchParams.get('token') ?? body.get('token');
  if (!token || !state.grants.revokeGrant(token)) {
    return jsonReply(400, {
      error: 'invalid_token',
      error_description: 'Token expired or revoked',
    });
  }
  return jsonReply(200, {});
};
