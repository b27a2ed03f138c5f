/**
 * `gconnect-express/emulator`: an offline Google (OAuth 2.0, OpenID Connect, Sign in with Google,
 * Cross-Account Protection) for a host app's own tests and for development. Loopback only; it
 * refuses to start with NODE_ENV=production.
 *
 * ```ts
 * const google = await startEmulator();
 * const gconnect = await createGconnect({
 *   google: { clientId: google.clientId, clientSecret: google.clientSecret, emulatorUrl: google.url },
 *   ...
 * });
 * const { cookie } = await signIn(google, appUrl, { account: 'alice@example.com' });
 * ```
 */
export { startEmulator, type StartEmulatorOptions, type StartedEmulator } from './server/start.js';
export { signIn, SignInError, type SignInOptions, type SignedIn } from './server/sign-in.js';
export {
  createEmulator,
  isLoopbackHost,
  type CallRecord,
  type Emulator,
  type EmulatorOptions,
  type Endpoint,
  type Fault,
  type IdTokenSigning,
  type IssueCodeRequest,
  type IssueCredentialRequest,
  type IssuedCredential,
  type RegisteredClient,
  type RiscEventName,
  type SecurityEventRequest,
  type TestAccount,
} from './server/emulator.js';
export { DEFAULT_ACCOUNTS } from './server/accounts.js';
export { DEV_CLIENT } from './server/dev-client.js';
export { EmulatorConfigError, readEmulatorEnv } from './server/cli-config.js';
