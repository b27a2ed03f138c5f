import { describe, expect, it } from 'vitest';
import { profileFromGoogle } from '../../src/signin/profile.js';

const claims = {
  sub: '42',
  email: 'token@example.com',
  email_verified: true,
  name: 'Token Name',
  picture: 'https://pic.example/token.png',
  hd: 'corp.example',
};

describe('the profile stored from Google', () => {
  it('when userinfo answered, then its fresher fields win over the ID token', () => {
    const fresh = {
      sub: '42',
      email: 'fresh@example.com',
      email_verified: false,
      name: 'Fresh Name',
      picture: 'https://pic.example/fresh.png',
      hd: 'evil.example',
    };
    expect(profileFromGoogle(claims, fresh)).toEqual({
      sub: '42',
      email: 'fresh@example.com',
      emailVerified: false,
      name: 'Fresh Name',
      picture: 'https://pic.example/fresh.png',
      // The Workspace domain is proven by the ID token only.
      hostedDomain: 'corp.example',
    });
  });

  it('when there is no userinfo, then the ID token fills every field', () => {
    expect(profileFromGoogle(claims)).toEqual({
      sub: '42',
      email: 'token@example.com',
      emailVerified: true,
      name: 'Token Name',
      picture: 'https://pic.example/token.png',
      hostedDomain: 'corp.example',
    });
  });

  it('when neither says anything, then the fields are null and the email is unverified', () => {
    expect(profileFromGoogle({ sub: '7' }, {})).toEqual({
      sub: '7',
      email: null,
      emailVerified: false,
      name: null,
      picture: null,
      hostedDomain: undefined,
    });
  });

  it('when email_verified is not the boolean true (e.g. the string "true"), then unverified', () => {
    const stringly = { sub: '7', email_verified: 'true' } as unknown as typeof claims;
    expect(profileFromGoogle(stringly).emailVerified).toBe(false);
    expect(profileFromGoogle({ sub: '7', hd: 42 } as never).hostedDomain).toBeUndefined();
  });
});
