import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface RsaJwk {
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  kid: string;
  n: string;
  e: string;
}

/** An RS256 signing key with its public forms as Google publishes them. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM, as served by /oauth2/v1/certs. */
  pem: string;
  /** As served by /oauth2/v3/certs. */
  jwk: RsaJwk;
}

const RSA_OPTIONS = { modulusLength: 2048, publicExponent: 0x10001 } as const;

function newKid(): string {
  return randomBytes(20).toString('hex');
}

function describe(kid: string, privateKey: KeyObject, publicKey: KeyObject): SigningKey {
  const exported = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    publicKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: exported.n ?? '', e: exported.e ?? '' },
  };
}

/**
 * An RSA 2048 key pair, generated off the event loop: a synchronous generation blocks every
 * request the emulator serves for a tenth of a second or more.
 */
export function createRsaKeyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return generateKeyPairAsync('rsa', RSA_OPTIONS);
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await createRsaKeyPair();
  return describe(newKid(), privateKey, publicKey);
}

/** The current signing key plus older keys that are still published (rotation). */
export class KeyRing {
  #current: SigningKey;
  #retired: SigningKey[] = [];
  #unpublished: Promise<SigningKey> | undefined;

  constructor(initial: SigningKey) {
    this.#current = initial;
  }

  get current(): SigningKey {
    return this.#current;
  }

  /** Keys served at the certs endpoints, current first. */
  published(): SigningKey[] {
    return [this.#current, ...this.#retired];
  }

  find(kid: string): SigningKey | undefined {
    return this.published().find((k) => k.kid === kid);
  }

  async rotate(keepOld: boolean): Promise<SigningKey> {
    const next = await createSigningKey();
    this.#retired = keepOld ? [this.#current, ...this.#retired] : [];
    this.#current = next;
    return next;
  }

  /**
   * A key whose kid is never published, for "signed by someone else" faults: made on first use
   * (most emulators never need one), then kept.
   */
  unpublished(): Promise<SigningKey> {
    this.#unpublished ??= createSigningKey().catch((err: unknown) => {
      this.#unpublished = undefined;
      throw err;
    });
    return this.#unpublished;
  }
}
