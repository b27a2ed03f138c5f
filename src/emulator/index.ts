/** `gconnect-express/emulator`: the offline Google emulator, for a host app's own tests. */
export {
  createEmulator,
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
  type TestAccount,
} from './emulator.js';
