import { describe, expect, it } from 'vitest';
import { assertAllowedAccount, isAllowedAccount } from '../../src/signin/allowed-accounts.js';
import type { GoogleProfile } from '../../src/storage/user-store.js';

function profile(overrides: Partial<GoogleProfile>): GoogleProfile {
  return {
    sub: '1',
    email: 'ann@corp.example',
    emailVerified: true,
    name: 'Ann',
    picture: null,
    hostedDomain: undefined,
    ...overrides,
  };
}

const corp = { domains: ['corp.example'], emails: [] };
const ann = { domains: [], emails: ['ann@gmail.example'] };

describe('allowed accounts', () => {
  it('when both lists are empty, then any account may sign in, verified or not', () => {
    expect(isAllowedAccount(profile({ emailVerified: false }), { domains: [], emails: [] })).toBe(
      true,
    );
  });

  it('when the Workspace domain (hd) is listed, then its accounts may sign in, in any case', () => {
    expect(isAllowedAccount(profile({ hostedDomain: 'Corp.Example' }), corp)).toBe(true);
  });

  it('when only the email suffix names the domain (no hd), then refused', () => {
    expect(isAllowedAccount(profile({ email: 'ann@corp.example' }), corp)).toBe(false);
  });

  it('when the address is listed, then it may sign in, in any case; another address may not', () => {
    expect(isAllowedAccount(profile({ email: 'Ann@Gmail.Example' }), ann)).toBe(true);
    expect(isAllowedAccount(profile({ email: 'bob@gmail.example' }), ann)).toBe(false);
    expect(isAllowedAccount(profile({ email: null }), ann)).toBe(false);
  });

  it('when Google has not verified the address, then neither the address nor the domain counts', () => {
    const unverified = { emailVerified: false, email: 'ann@gmail.example' };
    expect(isAllowedAccount(profile(unverified), ann)).toBe(false);
    expect(isAllowedAccount(profile({ ...unverified, hostedDomain: 'corp.example' }), corp)).toBe(
      false,
    );
  });

  it('when only one list is set, then the other does not let everyone in', () => {
    expect(isAllowedAccount(profile({ hostedDomain: 'other.example' }), corp)).toBe(false);
    expect(isAllowedAccount(profile({ hostedDomain: 'corp.example' }), ann)).toBe(false);
  });

  it('when an account is refused, then the error is 403 with the contract message', () => {
    expect(() => assertAllowedAccount(profile({}), ann)).toThrow(
      expect.objectContaining({
        status: 403,
        publicMessage: 'This Google account is not allowed to sign in.',
        code: 'account_not_allowed',
      }),
    );
    expect(() => assertAllowedAccount(profile({ email: 'ann@gmail.example' }), ann)).not.toThrow();
  });
});
