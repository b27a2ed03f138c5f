/**
 * The one error type of the app. `status` and `publicMessage` are what the client sees;
 * `cause` keeps the underlying error for the log and never reaches a response.
 */
export class AppError extends Error {
  readonly status: number;
  readonly publicMessage: string;
  readonly code: string;

  constructor(
    status: number,
    publicMessage: string,
    options: { code?: string; cause?: unknown } = {},
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
  signedInAs: (name: string) => `You are now logged in as ${name}`,
  unnamedUser: 'Google user',
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
  tooManyRequests: 'Too many sign-in attempts; try again later.',
  notFound: 'Not found.',
  googleReconnect: 'Google access was revoked or expired; reconnect Google.',
  googleNotConnected: 'Google is not connected for this user.',
  scopeNotGranted: 'Google did not grant the access this needs.',
  confirmDelete: 'Confirm the deletion first.',
  reauthRequired: 'Sign in again first: ending sessions needs a recent sign-in.',
  sessionNotFound: 'No such session.',
  internal: 'Internal server error.',
} as const;
