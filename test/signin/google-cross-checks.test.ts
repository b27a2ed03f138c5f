import { describe, expect, it } from 'vitest';
import type { GoogleClient } from '../../src/google/google-client.js';
import type { IdTokenClaims, TokenInfo, UserInfo } from '../../src/google/types.js';
import { authenticateWithGoogle } from '../../src/signin/authenticate.js';

interface FakeAnswers {
  idToken?: string | undefined;
  claims?: IdTokenClaims;
  tokenInfo?: TokenInfo | Error;
  userInfo?: UserInfo | Error;
}

/** A GoogleClient that answers from `answers` and records which calls were made, in order. */
function fakeGoogle(answers: FakeAnswers): GoogleClient & { calls: string[] } {
  const calls: string[] = [];
  const answer = <T>(value: T | Error): Promise<T> =>
    value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  return {
    calls,
    clientId: 'client-1',
    endpoints: {} as GoogleClient['endpoints'],
    exchangeCode(grant) {
      calls.push(`exchangeCode ${grant.code}`);
      return Promise.resolve({
        accessToken: 'access-1',
        idToken: 'idToken' in answers ? answers.idToken : 'id-1',
      });
    },
    verifyIdToken(idToken, expected) {
      calls.push(`verifyIdToken ${idToken} ${expected?.nonce ?? '-'}`);
      return Promise.resolve(answers.claims ?? { sub: 'S', email: 'ann@example.com' });
    },
    tokenInfo(accessToken) {
      calls.push(`tokenInfo ${accessToken}`);
      return answer(answers.tokenInfo ?? { sub: 'S', aud: 'client-1' });
    },
    userInfo(accessToken) {
      calls.push(`userInfo ${accessToken}`);
      return answer(answers.userInfo ?? { sub: 'S', name: 'Ann' });
    },
    revoke: () => Promise.reject(new Error('not expected')),
    refreshAccessToken: () => Promise.reject(new Error('not expected')),
    close: () => undefined,
  };
}

const grant = { code: 'code-1', redirectUri: 'postmessage' };

async function refusal(google: GoogleClient): Promise<unknown> {
  return authenticateWithGoogle(google, grant).then(
    () => 'signed in',
    (e: unknown) => e,
  );
}

describe("Google's part of a code-flow sign-in", () => {
  it('when every answer agrees, then the identity carries the profile and the access token', async () => {
    const google = fakeGoogle({});
    const identity = await authenticateWithGoogle(google, grant, { nonce: 'N' });
    expect(identity.profile).toMatchObject({ sub: 'S', email: 'ann@example.com', name: 'Ann' });
    expect(identity.tokens).toEqual({ accessToken: 'access-1' });
    expect(google.calls.slice(0, 2)).toEqual(['exchangeCode code-1', 'verifyIdToken id-1 N']);
    expect(google.calls.slice(2).sort()).toEqual(['tokenInfo access-1', 'userInfo access-1']);
  });

  it('when the token response has no ID token, then 401 invalid ID token and no further call', async () => {
    const google = fakeGoogle({ idToken: undefined });
    const err = await refusal(google);
    expect(err).toMatchObject({
      status: 401,
      publicMessage: 'Invalid ID token.',
      code: 'invalid_id_token',
    });
    // The log says why.
    expect(((err as Error).cause as Error).message).toBe('no id_token');
    expect(google.calls).toEqual(['exchangeCode code-1']);
  });

  it("when tokeninfo names another user, then 401 with the contract's user ID message", async () => {
    expect(await refusal(fakeGoogle({ tokenInfo: { sub: 'T', aud: 'client-1' } }))).toMatchObject({
      status: 401,
      publicMessage: "Token's user ID doesn't match given user ID.",
      code: 'tokeninfo_sub_mismatch',
    });
  });

  it("when tokeninfo's audience is another client, then 401 with the contract's client ID message", async () => {
    expect(await refusal(fakeGoogle({ tokenInfo: { sub: 'S', aud: 'client-2' } }))).toMatchObject({
      status: 401,
      publicMessage: "Token's client ID does not match app's.",
      code: 'tokeninfo_aud_mismatch',
    });
  });

  it('when userinfo names another user, then 401 invalid ID token', async () => {
    expect(await refusal(fakeGoogle({ userInfo: { sub: 'T' } }))).toMatchObject({
      status: 401,
      publicMessage: 'Invalid ID token.',
      code: 'userinfo_sub_mismatch',
    });
  });

  it("when tokeninfo or userinfo fails, then that call's error is the outcome", async () => {
    const down = new Error('tokeninfo down');
    expect(await refusal(fakeGoogle({ tokenInfo: down }))).toBe(down);
    const gone = new Error('userinfo down');
    expect(await refusal(fakeGoogle({ userInfo: gone }))).toBe(gone);
  });
});
