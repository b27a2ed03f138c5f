/**
 * ID token validation, case by case, after the OpenID Foundation's relying-party test plan
 * (oidcc-client-basic-certification-test-plan) and OpenID Connect Core 1.0 §3.1.3.7 (ID Token
 * Validation, items 1-13) and §5.3.2 (UserInfo Response). Google plays the OpenID Provider through
 * the emulator, which signs each hostile token as asked; the app is driven over real HTTP.
 *
 * Every refusal must be: 401 "Invalid ID token.", no user row, nobody signed in, and neither
 * userinfo nor tokeninfo called with the access token that came with the bad ID token.
 */
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../emulator/server/emulator.js';
import { ID_TOKEN_CLOCK_SKEW_SECONDS } from '../../src/google/id-token.js';
import { CLIENT } from '../support/client.js';
import { type Harness, type Agent } from '../support/harness.js';
import { signIn } from '../support/sign-in.js';
import { snapshot } from '../support/database.js';
import { expectRefused } from '../support/expectations.js';
import { useHarness } from '../support/use-harness.js';

let h: Harness;
let db: Database.Database;
useHarness({}, (s) => ({ h, db } = s));

/** Refusal cases sign in as this account, which no case here lets in. */
const TARGET = 'dave.unverified@example.net';
const ALICE = 'alice@example.com';
const OTHER_CLIENT = 'someone-else.apps.googleusercontent.com';
const nowS = () => Math.floor(Date.now() / 1000);

async function expectIdTokenRefused(fault: Fault): Promise<void> {
  h.emulator.inject('token', fault);
  const agent: Agent = h.client();
  const before = snapshot(db);
  const res = await signIn(h, agent, TARGET);
  await expectRefused(res, { status: 401, message: 'Invalid ID token.' }, agent, db, before);
  expect(h.emulator.calls('token')).toHaveLength(1);
  // §3.1.3.7 comes before any use of the tokens: no userinfo (or tokeninfo) call for a bad one.
  expect(h.emulator.calls('userinfo')).toHaveLength(0);
  expect(h.emulator.calls('tokeninfo')).toHaveLength(0);
}

async function expectAccepted(fault: Fault, account = ALICE): Promise<void> {
  h.emulator.inject('token', fault);
  const agent = h.client();
  const res = await signIn(h, agent, account);
  expect(res.status, res.text).toBe(200);
  await agent.get('/me').expect(200);
}

describe('oidcc-client-basic: ID token claims (OpenID Connect Core §3.1.3.7)', () => {
  it('oidcc-client-test: when the ID token is valid, then the sign-in succeeds', async () => {
    await expectAccepted({ kind: 'idToken' });
    expect(h.emulator.calls('userinfo')).toHaveLength(1);
  });

  it('oidcc-client-test-invalid-iss (§3.1.3.7 item 2): when iss is not the issuer, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { iss: 'https://evil.example.com' } });
  });

  it('item 2: when iss is the real Google issuer but Google is the emulator, then 401 (exact match)', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { iss: 'accounts.google.com' } });
  });

  it('item 2: when iss differs only by a trailing slash, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { iss: `${h.emulator.url}/` } });
  });

  it('oidcc-client-test-missing-sub (Core §2: sub REQUIRED): when sub is absent, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { sub: null } });
  });

  it('Core §2: when sub is empty, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { sub: '' } });
  });

  it('oidcc-client-test-invalid-aud (item 3): when aud is another client, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { aud: OTHER_CLIENT } });
  });

  it('oidcc-client-test-missing-aud (item 3): when aud is absent, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { aud: null } });
  });

  it('item 3: when aud is an array without our client, then 401', async () => {
    await expectIdTokenRefused({
      kind: 'idToken',
      claims: { aud: [OTHER_CLIENT, 'third.apps.googleusercontent.com'] },
    });
  });

  it('items 3-5: when aud is an array with our client but azp is another client, then 401', async () => {
    await expectIdTokenRefused({
      kind: 'idToken',
      claims: { aud: [CLIENT.clientId, OTHER_CLIENT], azp: OTHER_CLIENT },
    });
  });

  it('item 3: when aud is an array with our client and an untrusted one, then 401', async () => {
    await expectIdTokenRefused({
      kind: 'idToken',
      claims: { aud: [CLIENT.clientId, OTHER_CLIENT], azp: CLIENT.clientId },
    });
  });

  it('item 5: when aud is our client but azp is another client, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { azp: OTHER_CLIENT } });
  });

  it('oidcc-client-test-missing-iat (Core §2: iat REQUIRED): when iat is absent, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { iat: null } });
  });

  it('Core §2 (exp REQUIRED): when exp is absent, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { exp: null } });
  });

  it('item 9: when exp passed more than the allowed skew ago, then 401', async () => {
    const exp = nowS() - ID_TOKEN_CLOCK_SKEW_SECONDS - 60;
    await expectIdTokenRefused({ kind: 'idToken', claims: { iat: exp - 3600, exp } });
  });

  it(`item 9: when exp passed less than the documented ${ID_TOKEN_CLOCK_SKEW_SECONDS} s skew ago, then it is accepted`, async () => {
    const exp = nowS() - 60;
    await expectAccepted({ kind: 'idToken', claims: { iat: exp - 3600, exp } });
  });

  it(`item 10: when iat is further in the future than the documented ${ID_TOKEN_CLOCK_SKEW_SECONDS} s skew, then 401`, async () => {
    const iat = nowS() + ID_TOKEN_CLOCK_SKEW_SECONDS + 120;
    await expectIdTokenRefused({ kind: 'idToken', claims: { iat, exp: iat + 3600 } });
  });

  it('item 10: when iat is in the future but within the skew, then it is accepted', async () => {
    const iat = nowS() + ID_TOKEN_CLOCK_SKEW_SECONDS - 120;
    await expectAccepted({ kind: 'idToken', claims: { iat, exp: iat + 3600 } });
  });

  it('item 9: when exp is more than a day after now (no Google token lives that long), then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { exp: nowS() + 2 * 86_400 } });
  });

  it('Core §2: when iat or exp is not a number, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', claims: { exp: 'tomorrow' } });
  });
});

describe('oidcc-client-basic: ID token signature (§3.1.3.7 items 6-8, RFC 8725 §3.1)', () => {
  it('oidcc-client-test-idtoken-sig-rs256: when signed RS256 by the published key, then accepted', async () => {
    await expectAccepted({ kind: 'idToken', sign: 'rs256' });
  });

  it('oidcc-client-test-invalid-sig-rs256 (item 6): when one signature byte is flipped, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', sign: 'flip-signature' });
  });

  it('oidcc-client-test-idtoken-sig-none (item 7): when alg is none, then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', sign: 'none' });
  });

  it('item 7: when alg is none with a real-looking kid, then 401', async () => {
    await expectIdTokenRefused({
      kind: 'idToken',
      sign: 'none',
      header: { kid: h.emulator.currentKid },
    });
  });

  it('items 7-8, RFC 8725 §2.1: when HS256 is keyed with our client secret (alg confusion), then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', sign: 'hs256-client-secret' });
  });

  it('item 7: when alg is a case variant of RS256 ("rs256"), then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', header: { alg: 'rs256' } });
  });

  it('item 6: when signed by a key Google never published (unknown kid), then 401', async () => {
    await expectIdTokenRefused({ kind: 'idToken', sign: 'unknown-key' });
  });

  it('item 6: when the kid names an Object.prototype member ("constructor", "__proto__"), then 401, not 500', async () => {
    await expectIdTokenRefused({ kind: 'idToken', header: { kid: 'constructor' } });
    h.emulator.resetCalls();
    await expectIdTokenRefused({ kind: 'idToken', header: { kid: '__proto__' } });
  });

  it('item 1: when the id_token is not a JWT at all, then 401', async () => {
    h.emulator.inject('token', {
      kind: 'status',
      status: 200,
      body: {
        access_token: 'ya29.not-checked',
        id_token: 'not.a.jwt.at-all',
        token_type: 'Bearer',
      },
    });
    const agent = h.client();
    const before = snapshot(db);
    const res = await signIn(h, agent, TARGET);
    await expectRefused(res, { status: 401, message: 'Invalid ID token.' }, agent, db, before);
    expect(h.emulator.calls('userinfo')).toHaveLength(0);
  });

  it('Core §3.1.3.3: when the token response has no id_token, then 401', async () => {
    await expectIdTokenRefused({ kind: 'noIdToken' });
  });
});

describe('oidcc-client-basic: UserInfo (OpenID Connect Core §5.3.2)', () => {
  it('oidcc-client-test-userinfo-invalid-sub: when userinfo names another sub, then 401 and its claims are not used', async () => {
    h.emulator.inject('userinfo', {
      kind: 'claims',
      claims: { sub: '999999999999999999999', email: 'mallory@example.com' },
    });
    const agent = h.client();
    const before = snapshot(db);
    const res = await signIn(h, agent, TARGET);
    await expectRefused(res, { status: 401, message: 'Invalid ID token.' }, agent, db, before);
    const rows = db
      .prepare('SELECT count(*) AS n FROM users WHERE email = ?')
      .get('mallory@example.com');
    expect(rows).toEqual({ n: 0 });
  });

  it('§5.3.2: when userinfo has no sub at all, then it is refused (502: not a UserInfo response)', async () => {
    h.emulator.inject('userinfo', { kind: 'claims', claims: { sub: null } });
    const agent = h.client();
    const before = snapshot(db);
    const res = await signIn(h, agent, TARGET);
    await expectRefused(
      res,
      { status: 502, message: 'Google answered with an error; try again.' },
      agent,
      db,
      before,
    );
  });
});
