import { describe, expect, it } from 'vitest';
import type { GoogleClient } from '../../src/google/google-client.js';
import type { IdTokenClaims } from '../../src/google/types.js';
import { ID_TOKEN_CLOCK_SKEW_SECONDS } from '../../src/google/id-token.js';
import { deriveNonceKeys, issueNonce } from '../../src/signin/nonce.js';
import { verifyCredential, type VerifyCredentialDeps } from '../../src/signin/verify-credential.js';
import { createMemoryLedger, type MemoryLedger } from '../support/memory-ledger.js';
import { refusalOf } from '../support/refusal.js';

/**
 * verifyCredential's own checks, after Google's signature check (here a stand-in that returns
 * the claims it is given): the credential's shape and size, `nbf` with the clock skew, the
 * single-use nonce and `jti`.
 */
const T0 = 1_800_000_000_000;
const NOW_S = T0 / 1000;
const ISS = 'https://accounts.google.com';
const nonceKeys = deriveNonceKeys(['verify-credential-secret-0123456789']);
/** The binding cookie of the browser the nonces are issued to. */
const BROWSER = 'A'.repeat(43);

interface Setup {
  deps: VerifyCredentialDeps;
  ledger: MemoryLedger;
  /** Credentials that reached Google's check. */
  verified: string[];
}

/** Deps whose Google "verifies" any credential into these claims (with a fresh nonce each). */
function setup(claims: Partial<IdTokenClaims> = {}): Setup {
  const ledger = createMemoryLedger();
  const verified: string[] = [];
  const google = {
    verifyIdToken: (credential: string) => {
      verified.push(credential);
      return Promise.resolve({
        sub: '1234',
        iss: ISS,
        exp: NOW_S + 3600,
        nonce: issueNonce(nonceKeys, T0, BROWSER),
        ...claims,
      } as IdTokenClaims);
    },
  } as unknown as GoogleClient;
  return { deps: { google, ledger, nonceKeys, now: () => T0 }, ledger, verified };
}

async function reasonOf(deps: VerifyCredentialDeps, credential: unknown): Promise<string> {
  const refusal = await refusalOf(verifyCredential(deps, credential, BROWSER));
  expect(refusal).toMatchObject({
    status: 401,
    code: 'invalid_id_token',
    publicMessage: 'Invalid ID token.',
  });
  return refusal.reason;
}

describe('verifyCredential: the credential itself', () => {
  it.each([
    ['missing', undefined],
    ['a number', 42],
    ['an empty string', ''],
  ])('when it is %s, then it is refused before Google is asked', async (_, credential) => {
    const { deps, verified } = setup();
    expect(await reasonOf(deps, credential)).toBe('no credential');
    expect(verified).toEqual([]);
  });

  it('when it is exactly 3000 characters, then it is verified; at 3001, it is refused unread', async () => {
    const { deps, verified } = setup();
    await expect(verifyCredential(deps, 'c'.repeat(3000), BROWSER)).resolves.toMatchObject({
      sub: '1234',
    });
    expect(await reasonOf(deps, 'c'.repeat(3001))).toBe('credential too long');
    expect(verified).toEqual(['c'.repeat(3000)]);
  });
});

describe('verifyCredential: nbf with the clock skew (seconds)', () => {
  it('when nbf is exactly the skew ahead of now, then it is accepted', async () => {
    const { deps } = setup({ nbf: NOW_S + ID_TOKEN_CLOCK_SKEW_SECONDS });
    await expect(verifyCredential(deps, 'cred', BROWSER)).resolves.toMatchObject({ sub: '1234' });
  });

  it('when nbf is one second beyond the skew, then it is refused and its nonce is not used up', async () => {
    const nonce = issueNonce(nonceKeys, T0, BROWSER);
    const early = setup({ nbf: NOW_S + ID_TOKEN_CLOCK_SKEW_SECONDS + 1, nonce });
    expect(await reasonOf(early.deps, 'cred')).toBe('not yet valid (nbf)');
    expect(early.ledger.claims).toEqual([]);
  });

  it('when nbf is in the past, then it is accepted', async () => {
    const { deps } = setup({ nbf: NOW_S - 60 });
    await expect(verifyCredential(deps, 'cred', BROWSER)).resolves.toMatchObject({ sub: '1234' });
  });
});

describe('verifyCredential: the jti, single use', () => {
  it('when the same jti comes twice (fresh nonces), then the second is refused as replayed', async () => {
    const { deps } = setup({ jti: 'jti-1' });
    await verifyCredential(deps, 'cred', BROWSER);
    expect(await reasonOf(deps, 'cred')).toBe('credential replayed (jti)');
  });

  it('when the jti is claimed, then it is kept until exp plus the skew, in ms', async () => {
    const exp = NOW_S + 1800;
    const { deps, ledger } = setup({ jti: 'jti-2', exp });
    const { nonce } = await verifyCredential(deps, 'cred', BROWSER);
    expect(ledger.claims).toEqual([
      { key: `nonce:${nonce}`, expiresAtMs: expect.any(Number) as number },
      { key: `jti:${ISS}:jti-2`, expiresAtMs: (exp + ID_TOKEN_CLOCK_SKEW_SECONDS) * 1000 },
    ]);
  });

  it('when exp is not a number, then the jti is still claimed with a finite expiry', async () => {
    const { deps, ledger } = setup({ jti: 'jti-3', exp: 'soon' });
    await verifyCredential(deps, 'cred', BROWSER);
    expect(Number.isFinite(ledger.claims[1]?.expiresAtMs)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 7],
  ])(
    'when the jti is %s, then there is no jti to claim: each credential is accepted on its nonce',
    async (_, jti) => {
      const { deps, ledger } = setup({ jti });
      await verifyCredential(deps, 'cred', BROWSER);
      await verifyCredential(deps, 'cred', BROWSER);
      expect(ledger.claims.map((c) => c.key.split(':')[0])).toEqual(['nonce', 'nonce']);
    },
  );
});

describe('verifyCredential: the nonce is bound to the browser that asked for it', () => {
  it("when the credential comes with another browser's binding cookie, then it is refused and neither nonce nor jti is used up", async () => {
    const { deps, ledger } = setup({ jti: 'jti-4' });
    const refusal = await refusalOf(verifyCredential(deps, 'cred', 'B'.repeat(43)));
    expect(refusal.reason).toBe('nonce not issued by us to this browser');
    expect(ledger.claims).toEqual([]);
  });

  it('when the credential comes with no binding cookie, then it is refused', async () => {
    const { deps } = setup();
    const refusal = await refusalOf(verifyCredential(deps, 'cred', undefined));
    expect(refusal.reason).toBe('no nonce binding cookie');
  });
});
