import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  claimNonce,
  deriveNonceKeys,
  issueNonce,
  NONCE_TTL_MS,
  type NonceKeys,
} from '../../src/signin/nonce.js';
import { createMemoryLedger } from '../support/memory-ledger.js';
import { refusalOf } from '../support/refusal.js';

/**
 * claimNonce, unit by unit: each malformed or foreign nonce is refused with the one public
 * 401 and the reason the log gets; the length and lifetime limits at their exact boundaries.
 */
const SECRET = 'nonce-refusal-secret-0123456789abcdef';
const T0 = 1_800_000_000_000;
const keys = deriveNonceKeys([SECRET]);
/** The binding cookie of the browser that asked for the nonce, and another browser's. */
const BROWSER = 'A'.repeat(43);
const OTHER_BROWSER = 'B'.repeat(43);

/**
 * A nonce with any body, MACed with our signing key over the body and the SHA-256 of the
 * browser's binding cookie, written out here: only the part under test is wrong.
 */
function signed(random: string, expires: string, key: NonceKeys = keys, browser = BROWSER): string {
  const body = `${random}.${expires}`;
  const bound = createHash('sha256').update(browser).digest('base64url');
  const tag = createHmac('sha256', key.signing).update(`${body}.${bound}`).digest('base64url');
  return `${body}.${tag}`;
}

async function reasonOf(
  nonce: unknown,
  nowMs = T0,
  browser: string | undefined = BROWSER,
): Promise<string> {
  const refusal = await refusalOf(claimNonce(keys, nonce, nowMs, createMemoryLedger(), browser));
  expect(refusal).toMatchObject({
    status: 401,
    code: 'invalid_id_token',
    publicMessage: 'Invalid ID token.',
  });
  return refusal.reason;
}

function accept(nonce: string, nowMs = T0): Promise<void> {
  return claimNonce(keys, nonce, nowMs, createMemoryLedger(), BROWSER);
}

const IN_A_MINUTE = String(T0 + 60_000);

describe('deriveNonceKeys', () => {
  it('when there is no session secret, then it throws saying one is needed', () => {
    expect(() => deriveNonceKeys([])).toThrow(
      'deriveNonceKeys: at least one session secret is needed',
    );
  });

  it('when a nonce was issued by an earlier release (bound to no browser), then it is refused as not ours', async () => {
    // Issued with SECRET, random "fixed-random", expiry T0 + 1 min, by the v1 derivation:
    // HMAC-SHA256(SECRET, "gconnect id-token nonce v1") as the MAC key, over the body alone.
    const fromEarlierRelease =
      'fixed-random.1800000060000.D7Q6KKJBem-AExY4NME7nEyf6xGIO9t6-zcRH3xOUN4';
    expect(await reasonOf(fromEarlierRelease)).toBe('nonce not issued by us to this browser');
  });

  it('when a nonce is checked, then the key derivation is still v1 (instances of one release agree)', async () => {
    const v1 = createHmac('sha256', SECRET).update('gconnect id-token nonce v1').digest();
    await expect(
      accept(signed('abc', IN_A_MINUTE, { signing: v1, verifying: [v1] })),
    ).resolves.toBeUndefined();
  });
});

describe('claimNonce: the browser binding', () => {
  it('when the nonce comes back with the binding cookie of the browser it was issued to, then it is accepted', async () => {
    await expect(accept(issueNonce(keys, T0, BROWSER))).resolves.toBeUndefined();
  });

  it("when it comes back with another browser's binding cookie, then it is refused as not issued to this browser", async () => {
    expect(await reasonOf(issueNonce(keys, T0, BROWSER), T0, OTHER_BROWSER)).toBe(
      'nonce not issued by us to this browser',
    );
    expect(await reasonOf(signed('abc', IN_A_MINUTE, keys, OTHER_BROWSER))).toBe(
      'nonce not issued by us to this browser',
    );
  });

  it('when it comes back with no binding cookie, then it is refused as such', async () => {
    const nonce = issueNonce(keys, T0, BROWSER);
    const refusal = await refusalOf(claimNonce(keys, nonce, T0, createMemoryLedger(), undefined));
    expect(refusal).toMatchObject({ status: 401, reason: 'no nonce binding cookie' });
  });

  it('when another browser tries it first, then the nonce is not used up for its own browser', async () => {
    const ledger = createMemoryLedger();
    const nonce = issueNonce(keys, T0, BROWSER);
    await refusalOf(claimNonce(keys, nonce, T0, ledger, OTHER_BROWSER));
    expect(ledger.claims).toEqual([]);
    await expect(claimNonce(keys, nonce, T0, ledger, BROWSER)).resolves.toBeUndefined();
  });
});

describe('claimNonce refusals', () => {
  it('when the nonce is exactly 128 characters, then it is considered; at 129, it is refused unread', async () => {
    const random70 = 'r'.repeat(70);
    const exactly = signed(random70, IN_A_MINUTE);
    expect(exactly).toHaveLength(128);
    await expect(accept(exactly)).resolves.toBeUndefined();
    const oneOver = signed(`${random70}r`, IN_A_MINUTE);
    expect(oneOver).toHaveLength(129);
    expect(await reasonOf(oneOver)).toBe('no nonce');
  });

  it('when the nonce is not a string, then it is refused as no nonce', async () => {
    expect(await reasonOf(undefined)).toBe('no nonce');
    expect(await reasonOf(42)).toBe('no nonce');
  });

  it.each([
    ['the random part is missing', signed('', IN_A_MINUTE)],
    ['the expiry is missing', signed('abc', '')],
    ['the tag is missing', `abc.${IN_A_MINUTE}.`],
    ['there is an extra part', `${signed('abc', IN_A_MINUTE)}.extra`],
    ['the expiry has letters before the digits', signed('abc', `x${IN_A_MINUTE}`)],
    ['the expiry has letters after the digits', signed('abc', `${IN_A_MINUTE}x`)],
    ['the expiry has 16 digits', signed('abc', `000${IN_A_MINUTE}`)],
  ])('when %s (even under a valid MAC), then it is refused as malformed', async (_, nonce) => {
    expect(await reasonOf(nonce)).toBe('malformed nonce');
  });

  it('when the expiry has 15 digits (leading zeros), then it is accepted', async () => {
    await expect(accept(signed('abc', `00${IN_A_MINUTE}`))).resolves.toBeUndefined();
  });

  it('when the tag is wrong or the nonce was MACed with another key, then it is refused as not ours', async () => {
    const [random, expires] = signed('abc', IN_A_MINUTE).split('.');
    expect(await reasonOf(`${random}.${expires}.${'A'.repeat(43)}`)).toBe(
      'nonce not issued by us to this browser',
    );
    const foreign = signed('abc', IN_A_MINUTE, deriveNonceKeys(['another-secret-0123456789abc']));
    expect(await reasonOf(foreign)).toBe('nonce not issued by us to this browser');
  });

  it('when the nonce reaches its expiry, then it is refused as expired; 1 ms before, it is accepted', async () => {
    const nonce = issueNonce(keys, T0, BROWSER);
    expect(await reasonOf(nonce, T0 + NONCE_TTL_MS)).toBe('nonce expired');
    await expect(accept(nonce, T0 + NONCE_TTL_MS - 1)).resolves.toBeUndefined();
  });

  it('when the expiry is exactly one lifetime ahead, then it is accepted; 1 ms further, refused as expired', async () => {
    await expect(accept(signed('abc', String(T0 + NONCE_TTL_MS)))).resolves.toBeUndefined();
    expect(await reasonOf(signed('abc', String(T0 + NONCE_TTL_MS + 1)))).toBe('nonce expired');
  });

  it('when the nonce was claimed before, then it is refused as replayed, and claimed until its expiry', async () => {
    const ledger = createMemoryLedger();
    const nonce = signed('abc', IN_A_MINUTE);
    await claimNonce(keys, nonce, T0, ledger, BROWSER);
    const refusal = await refusalOf(claimNonce(keys, nonce, T0 + 1, ledger, BROWSER));
    expect(refusal.reason).toBe('nonce replayed');
    expect(ledger.claims).toEqual([{ key: `nonce:${nonce}`, expiresAtMs: T0 + 60_000 }]);
  });
});
