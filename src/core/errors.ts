/** The calls to Google, as error codes name them (`google_userinfo_timeout`). */
export type GoogleCall = 'token' | 'certs' | 'tokeninfo' | 'userinfo' | 'revoke' | 'refresh';

/** Why a request failed, for the log; never shown to the client. */
export type ErrorCode =
  // the request
  | 'cross_site'
  | 'csrf_token_mismatch'
  | 'rate_limited'
  | 'body_too_large'
  | 'body_malformed'
  | 'body_encoding'
  | 'unsupported_content_type'
  | 'bad_host'
  | 'not_found'
  | `http_${number}`
  // the sign-in
  | 'invalid_state'
  | 'missing_code'
  | 'access_denied'
  | 'authorization_error'
  | 'invalid_id_token'
  | 'tokeninfo_sub_mismatch'
  | 'tokeninfo_aud_mismatch'
  | 'userinfo_sub_mismatch'
  | 'account_not_allowed'
  | 'account_disabled'
  | 'not_connected'
  // offline access (the stored Google grant)
  | 'needs_reconnect'
  | 'scope_not_granted'
  | 'unknown_feature'
  | 'wrong_account'
  | 'connect_cancelled'
  | 'token_undecryptable'
  | 'refresh_lease_timeout'
  | 'delete_not_confirmed'
  // the user's sessions
  | 'reauth_required'
  | 'no_session'
  // Google
  | 'google_token_refused'
  | 'google_invalid_grant'
  | 'google_tokeninfo_error'
  | 'google_certs_unusable'
  | 'google_bad_response'
  | `google_${GoogleCall}_timeout`
  | `google_${GoogleCall}_failed`
  // the server
  | 'storage_unavailable'
  | 'internal';

/**
 * The one error type of the app. `status` and `publicMessage` are what the client sees;
 * `cause` keeps the underlying error for the log and never reaches a response.
 */
export class AppError extends Error {
  readonly status: number;
  readonly publicMessage: string;
  readonly code: ErrorCode;

  constructor(
    status: number,
    publicMessage: string,
    options: { code?: ErrorCode; cause?: unknown } = {},
  ) {
    super(publicMessage, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.publicMessage = publicMessage;
    this.code = options.code ?? `http_${status}`;
  }
}

/** The exact public messages of the HTTP contract (DESIGN.md). */
export const Messages = {
  invalidState: 'Invalid state parameter.',
  codeExchangeFailed: 'Failed to upgrade the authorization code.',
  invalidIdToken: 'Invalid ID token.',
  userIdMismatch: "Token's user ID doesn't match given user ID.",
  clientIdMismatch: "Token's client ID does not match app's.",
  alreadyConnected: 'Current user is already connected.',
  signedInAs: (name: string | null) => `You are now logged in as ${name ?? 'Google user'}`,
  notConnected: 'Current user not connected.',
  disconnected: 'Successfully disconnected.',
  notSignedIn: 'Not signed in.',
  googleBadGateway: 'Google answered with an error; try again.',
  googleTimeout: 'Google did not answer in time; try again.',
  missingCode: 'Missing authorization code.',
  signInCancelled: 'Sign-in was cancelled at Google.',
  signInRefused: 'Google did not complete the sign-in.',
  crossSite: 'Cross-site request refused.',
  tooLarge: 'Request body too large.',
  storageUnavailable: 'The database is unavailable; try again.',
  accountNotAllowed: 'This Google account is not allowed to sign in.',
  accountDisabled: 'Google reported this account as disabled; sign-in with it is suspended.',
  tooManyRequests: 'Too many sign-in attempts; try again later.',
  notFound: 'Not found.',
  setBodyExpected: 'Expected a SET body.',
  invalidSecurityEventToken: 'The security event token is invalid.',
  badRequest: 'Bad request.',
  malformedBody: 'Malformed request body.',
  unsupportedContentType: 'Unsupported content type.',
  unsupportedEncoding: 'Unsupported body encoding.',
  googleReconnect: 'Google access was revoked or expired; reconnect Google.',
  googleAccessEnded: 'The Google access you granted has ended; reconnect Google.',
  googleNotConnected: 'Google is not connected for this user.',
  scopeNotGranted: 'Google did not grant the access this needs.',
  unknownFeature: 'No such feature: the link names a feature this app does not offer.',
  wrongGoogleAccount:
    'That is another Google account: turn a feature on with the account you are signed in with. Nothing was changed.',
  connectWrongAccount: (label: string) =>
    `${label} was not turned on: you chose another Google account. Nothing changed; turn it on with the Google account you are signed in with.`,
  featureOn: (label: string) => `${label} is on.`,
  connectCancelled: (label: string) =>
    `${label} was not turned on: you cancelled at Google. Nothing changed.`,
  featureStaysOff: (label: string) =>
    `${label} stays off: Google did not grant all the access it needs. Turn it on again to choose once more.`,
  confirmDelete: 'Confirm the deletion first.',
  reauthRequired: 'Sign in again first: this action needs a recent sign-in.',
  sessionNotFound: 'No such session.',
  internal: 'Internal server error.',
} as const;
