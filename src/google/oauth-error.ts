import { GaxiosError } from 'gaxios';
import type { Logger } from 'pino';

/** What Google said when it refused a call: its OAuth error code and description, nothing else. */
export interface GoogleRefusal {
  status: number;
  error: string;
  description: string | undefined;
}

/**
 * The usual cause of each OAuth error Google gives (RFC 6749 §5.2 and Google's own), as the
 * operator can fix it. One line each: it goes into the warning.
 */
const HINTS: Record<string, string> = {
  invalid_client:
    'the client ID or secret is wrong, or the OAuth client was deleted: compare GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET (or client_secrets.json) with Google Cloud Console',
  deleted_client: 'the OAuth client was deleted in Google Cloud Console: create a new one',
  disabled_client: 'the OAuth client is disabled in Google Cloud Console',
  unauthorized_client:
    'this OAuth client may not use this grant: it must be of type "Web application"',
  redirect_uri_mismatch:
    'the redirect URI is not registered for this client: add BASE_URL + /auth/google/callback as an authorized redirect URI (and the origin as a JavaScript origin) in Google Cloud Console',
  invalid_grant:
    'the code was already used, expired, or was issued for another redirect URI, client or PKCE verifier (a reloaded or replayed sign-in does this; a clock far off can too)',
  invalid_request:
    'Google found a parameter missing or malformed: check the client ID and BASE_URL',
  invalid_scope: 'a requested scope is unknown or not allowed for this client',
  invalid_token: 'the access token expired or was revoked',
  access_denied: 'the person or their organisation refused access',
  org_internal:
    'the OAuth consent screen is "Internal": only accounts of its Google Workspace organisation may sign in',
};

const OAUTH_ERROR = /^[a-z_]{1,64}$/;

/** Google's OAuth error in a 4xx answer, if there is one; descriptions are cleaned and cut. */
export function readGoogleRefusal(err: unknown): GoogleRefusal | undefined {
  if (!(err instanceof GaxiosError) || err.response === undefined) return undefined;
  const { status } = err.response;
  const data: unknown = err.response.data;
  if (status < 400 || status >= 500 || !data || typeof data !== 'object') return undefined;
  const { error, error_description: description } = data as Record<string, unknown>;
  if (typeof error !== 'string' || !OAUTH_ERROR.test(error)) return undefined;
  return {
    status,
    error,
    description:
      typeof description === 'string'
        ? description.replace(/[\p{Cc}]+/gu, ' ').slice(0, 200)
        : undefined,
  };
}

export function hintFor(error: string): string {
  return HINTS[error] ?? "see Google's OAuth 2.0 error reference for this code";
}

/**
 * Logs a refusal at warn with the usual cause, so the first real-Google mistake (a wrong
 * secret, an unregistered redirect URI) can be diagnosed from the log. Never the request:
 * it holds the code, the secret or a token.
 */
export function logGoogleRefusal(logger: Pick<Logger, 'warn'>, call: string, err: unknown): void {
  const refusal = readGoogleRefusal(err);
  if (!refusal) return;
  const hint = hintFor(refusal.error);
  logger.warn(
    { google: { call, ...refusal }, hint },
    `Google refused the ${call} call: ${refusal.error}: ${hint}`,
  );
}
