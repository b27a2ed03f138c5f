import { createHmac } from 'node:crypto';
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

/** A nonce with any body, MACed with our signing key: only the part under test is wrong. */
function signed(random: string, expires: string, key: NonceKeys = keys): string {
  const body = `${random}.${expires}`;
  return `${body}.${createHmac('sha256', key.signing).update(body).digest('base64url')}`;
}

async function reasonOf(nonce: unknown, nowMs = T0): Promise<string> {
  const refusal = await refusalOf(claimNonce(keys, nonce, nowMs, createMemoryLedger()));
  expect(refusal).toMatchObject({
    status: 401,
    code: 'invalid_id_token',
    publicMessage: 'Invalid ID token.',
  });
  return refusal.reason;
}

function accept(nonce: string, nowMs = T0): Promise<void> {
  return claimNonce(keys, nonce, nowMs, createMemoryLedger());
}

const IN_A_MINUTE = String(T0 + 60_000);

describe('deriveNonceKeys', () => {
  it('when there is no session secret, then it throws saying one is needed', () => {
    expect(() => deriveNonceKeys([])).toThrow(
      'deriveNonceKeys: at least one session secret is needed',
    );
  });

  it('when a nonce was issued by an instance of an earlier release, then it still verifies (the key derivation is fixed)', async () => {
    // Issued with SECRET, random "fixed-random", expiry T0 + 1 min, by the v1 derivation:
    // HMAC-SHA256(SECRET, "gconnect id-token nonce v1") as the MAC key.
    const fromEarlierRelease =
      'fixed-random.1800000060000.D7Q6KKJBem-AExY4NME7nEyf6xGIO9t6-zcRH3xOUN4';
    await expect(accept(fromEarlierRelease)).resolves.toBeUndefined();
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
    expect(await reasonOf(`${random}.${expires}.${'A'.repeat(43)}`)).toBe('nonce not issued by us');
    const foreign = signed('abc', IN_A_MINUTE, deriveNonceKeys(['another-secret-0123456789abc']));
    expect(await reasonOf(foreign)).toBe('nonce not issued by us');
  });

  it('when the nonce reaches its expiry, then it is refused as expired; 1 ms before, it is accepted', async () => {
    const nonce = issueNonce(keys, T0);
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
    await claimNonce(keys, nonce, T0, ledger);
    const refusal = await refusalOf(claimNonce(keys, nonce, T0 + 1, ledger));
    expect(refusal.reason).toBe('nonce replayed');
    expect(ledger.claims).toEqual([{ key: `nonce:${nonce}`, expiresAtMs: T0 + 60_000 }]);
  });
});
