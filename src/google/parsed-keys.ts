import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Public keys parsed once, by PEM. google-auth-library passes the key it is given straight to
 * crypto's Verify#verify, which parses a PEM string on every call: ~140 µs per ID token, several
 * times the RSA check itself. A KeyObject verifies identically without the parse.
 */
export class ParsedKeys {
  readonly #keys = new Map<string, KeyObject>();

  constructor(private readonly max = 32) {}

  /** Throws when `pem` is not a public key. */
  get(pem: string): KeyObject {
    let key = this.#keys.get(pem);
    if (key === undefined) {
      // Keys rotate: start afresh now and then rather than keep every key ever seen.
      if (this.#keys.size >= this.max) this.#keys.clear();
      key = createPublicKey(pem);
      this.#keys.set(pem, key);
    }
    return key;
  }
}
