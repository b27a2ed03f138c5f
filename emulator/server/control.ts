import { UnknownAccountError, UnknownClientError, type Handler } from './context.js';
import { describeFaultProblem, ENDPOINTS, isEndpoint, type Fault } from './faults.js';
import { HttpError, invalidRequest, jsonReply, readBody, type Reply } from './http.js';
import { isObject } from '../oauth/jwt.js';

function noContent(): Reply {
  return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
}

/** POST /emulator/codes — a one-time code, as if the account had approved on the consent page. */
export const createCode: Handler = async (state, { params }) => {
  const form = await params();
  const account = form.get('account');
  const clientId = form.get('client_id');
  if (!account || !clientId) return invalidRequest('account and client_id are required');
  const method = form.get('code_challenge_method') ?? undefined;
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return invalidRequest('code_challenge_method must be S256 or plain');
  }
  try {
    const code = state.issueCode({
      account,
      clientId,
      redirectUri: form.get('redirect_uri') ?? undefined,
      nonce: form.get('nonce') ?? undefined,
      codeChallenge: form.get('code_challenge') ?? undefined,
      codeChallengeMethod: method,
      scope: form.get('scope') ?? undefined,
      accessType: accessType(form.get('access_type')),
      prompt: form.get('prompt') ?? undefined,
      includeGrantedScopes: form.get('include_granted_scopes') === 'true',
    });
    return jsonReply(201, { code });
  } catch (error) {
    return unknownClientOrAccount(error);
  }
};

function unknownClientOrAccount(error: unknown): Reply {
  if (error instanceof UnknownClientError) {
    return jsonReply(400, { error: 'invalid_client', error_description: 'Unknown client_id' });
  }
  if (error instanceof UnknownAccountError) {
    return jsonReply(404, { error: 'unknown_account', error_description: 'No such test account' });
  }
  throw error;
}

/** POST /emulator/credentials — an ID token, as the button or One Tap would deliver it. */
export const createCredential: Handler = async (state, { params }) => {
  const form = await params();
  const account = form.get('account');
  const clientId = form.get('client_id');
  if (!account || !clientId) return invalidRequest('account and client_id are required');
  try {
    const { credential } = await state.issueCredential({
      account,
      clientId,
      azp: form.get('azp') ?? undefined,
      nonce: form.get('nonce') ?? undefined,
    });
    return jsonReply(201, { credential });
  } catch (error) {
    return unknownClientOrAccount(error);
  }
};

function accessType(value: string | null): 'online' | 'offline' | undefined {
  return value === 'online' || value === 'offline' ? value : undefined;
}

/** POST /emulator/expire-refresh-tokens — every refresh token ends now (Testing-status 7 days). */
export const expireRefreshTokens: Handler = (state) => {
  state.grants.expireRefreshTokens();
  return noContent();
};

const LIFETIME_FIELDS = new Set(['refresh_token_expires_in', 'refresh_token_timeout']);

/**
 * POST /emulator/time-limited-access — form/JSON `seconds` (required), `account` (email or sub:
 * every consent of that account from now on; without it, the next consent that issues a refresh
 * token), `field` (refresh_token_expires_in, the default, or the IETF draft's
 * refresh_token_timeout). The refresh token stops working after `seconds` on the emulator's clock.
 */
export const limitAccess: Handler = async (state, { params }) => {
  const form = await params();
  const seconds = Number(form.get('seconds'));
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    return invalidRequest('seconds must be a positive number');
  }
  const field = form.get('field') ?? 'refresh_token_expires_in';
  if (!LIFETIME_FIELDS.has(field)) {
    return invalidRequest('field must be refresh_token_expires_in or refresh_token_timeout');
  }
  try {
    state.limitAccess(
      { seconds, field: field as 'refresh_token_expires_in' },
      form.get('account') ?? undefined,
    );
    return noContent();
  } catch (error) {
    return unknownClientOrAccount(error);
  }
};

/** DELETE /emulator/time-limited-access — no more time limits (issued tokens keep theirs). */
export const clearTimeLimits: Handler = (state) => {
  state.grants.clearTimeLimits();
  return noContent();
};

/**
 * POST /emulator/testing-status — form/JSON `testing` ("true", the default, or "false") and
 * `client_id` (default every client): Testing status gives each new refresh token 7 days.
 */
export const testingStatus: Handler = async (state, { params }) => {
  const form = await params();
  const testing = form.get('testing') ?? 'true';
  if (testing !== 'true' && testing !== 'false') {
    return invalidRequest('testing must be true or false');
  }
  try {
    state.setTestingStatus(testing === 'true', form.get('client_id') ?? undefined);
    return noContent();
  } catch (error) {
    return unknownClientOrAccount(error);
  }
};

/**
 * POST /emulator/deny-scopes — form/JSON `account` (email or sub) and `scopes` (space-separated):
 * from now on that account unticks these scopes on every consent; empty `scopes` clears it.
 */
export const denyScopes: Handler = async (state, { params }) => {
  const form = await params();
  const account = state.findAccount(form.get('account') ?? '');
  if (!account) {
    return jsonReply(404, { error: 'unknown_account', error_description: 'No such test account' });
  }
  state.grants.denyScopes(account.sub, (form.get('scopes') ?? '').split(/\s+/).filter(Boolean));
  return noContent();
};

/** GET /emulator/accounts */
export const listAccounts: Handler = (state) => jsonReply(200, state.accounts);

function parseTimes(value: unknown): number | undefined {
  if (value === undefined) return 1;
  if (value === 'Infinity' || value === 'infinite' || value === null) return Infinity;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/** POST /emulator/faults — JSON `{endpoint, fault, times}`; times may be "Infinity". */
export const addFault: Handler = async (state, { req }) => {
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    return invalidRequest('Body must be JSON: {"endpoint", "fault", "times"}');
  }
  if (!isObject(body) || !isEndpoint(body.endpoint)) {
    return invalidRequest(`endpoint must be one of ${ENDPOINTS.join(', ')}`);
  }
  const problem = describeFaultProblem(body.endpoint, body.fault);
  if (problem) return invalidRequest(problem);
  const times = parseTimes(body.times);
  if (times === undefined) return invalidRequest('times must be a positive integer or "Infinity"');
  state.faults.add(body.endpoint, body.fault as Fault, times);
  return jsonReply(201, {
    endpoint: body.endpoint,
    kind: (body.fault as Fault).kind,
    times: String(times),
  });
};

/** DELETE /emulator/faults */
export const clearFaults: Handler = (state) => {
  state.faults.clear();
  return noContent();
};

/** GET /emulator/calls[?endpoint=token] */
export const listCalls: Handler = (state, { url }) => {
  const endpoint = url.searchParams.get('endpoint');
  return jsonReply(
    200,
    endpoint ? state.calls.filter((c) => c.endpoint === endpoint) : state.calls,
  );
};

/** DELETE /emulator/calls */
export const resetCalls: Handler = (state) => {
  state.calls.length = 0;
  return noContent();
};

/** POST /emulator/rotate-key — JSON/form `keepOld` ("false" drops the old keys). */
export const rotateKey: Handler = async (state, { params }) => {
  const form = await params();
  const { kid } = await state.keys.rotate(form.get('keepOld') !== 'false');
  return jsonReply(201, { kid });
};
