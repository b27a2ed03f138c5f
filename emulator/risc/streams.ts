// The registered receiver and its service accounts: the state the RISC handlers (risc.ts) work on,
// apart from them so the emulator's context can hold it without importing the handlers.
import { randomBytes, verify, type KeyObject } from 'node:crypto';
import { decodeJwt, type JsonObject } from '../oauth/jwt.js';
import { createRsaKeyPair } from '../oauth/keys.js';

/** The audience of the service-account JWT that authorizes a management call. */
export const RISC_MANAGEMENT_AUDIENCE =
  'https://risc.googleapis.com/google.identity.risc.v1beta.RiscManagementService';

interface Stream {
  url: string;
  eventsRequested: string[];
  status: 'enabled' | 'disabled';
}

/** The registered receiver and the service accounts allowed to manage it. */
export class RiscStreams {
  stream: Stream | undefined;
  readonly #serviceAccounts = new Map<string, { kid: string; key: KeyObject }>();

  /** A service-account key file as Google Cloud's console downloads it. */
  async createServiceAccount(issuer: string): Promise<JsonObject> {
    const { privateKey, publicKey } = await createRsaKeyPair();
    const kid = randomBytes(20).toString('hex');
    const clientEmail = `risc-${randomBytes(4).toString('hex')}@emulator.iam.gserviceaccount.com`;
    this.#serviceAccounts.set(clientEmail, { kid, key: publicKey });
    return {
      type: 'service_account',
      project_id: 'emulator',
      private_key_id: kid,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: randomBytes(10).toString('hex'),
      token_uri: `${issuer}/token`,
    };
  }

  /** Google's management API takes a JWT signed by the service account as the bearer token. */
  authorized(authorization: string | undefined, nowMs: number): boolean {
    const jwt = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const decoded = jwt ? decodeJwt(jwt) : undefined;
    if (!decoded || decoded.header.alg !== 'RS256') return false;
    const { payload } = decoded;
    const account =
      typeof payload.iss === 'string' ? this.#serviceAccounts.get(payload.iss) : undefined;
    if (!account || decoded.header.kid !== account.kid) return false;
    const now = nowMs / 1000;
    const fresh = typeof payload.exp === 'number' && payload.exp > now;
    if (!fresh || payload.aud !== RISC_MANAGEMENT_AUDIENCE || payload.sub !== payload.iss) {
      return false;
    }
    return verify('sha256', Buffer.from(decoded.signingInput), account.key, decoded.signature);
  }
}
