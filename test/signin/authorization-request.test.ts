import { describe, expect, it } from 'vitest';
import { buildAuthorizationUrl } from '../../src/signin/authorization-url.js';
import { createPkcePair, s256Challenge } from '../../src/signin/pkce.js';

describe('the redirect flow authorization request', () => {
  it('when built, then it carries the code flow, scopes, state, nonce and an S256 challenge', () => {
    const url = new URL(
      buildAuthorizationUrl('https://accounts.example/o/oauth2/v2/auth?stale=1', {
        clientId: 'client-1',
        redirectUri: 'https://app.example/cb',
        state: 'S',
        nonce: 'N',
        codeChallenge: 'C',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://accounts.example/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'client-1',
      redirect_uri: 'https://app.example/cb',
      response_type: 'code',
      scope: 'openid email profile',
      state: 'S',
      nonce: 'N',
      code_challenge: 'C',
      code_challenge_method: 'S256',
      // Offline access: a refresh token, and scopes added to what was granted before.
      access_type: 'offline',
      include_granted_scopes: 'true',
    });
  });

  it('when a challenge is made, then it is RFC 7636 S256 (the RFC appendix B example)', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('when a PKCE pair is made, then the verifier is 43 random characters and the challenge its S256 hash', () => {
    const pair = createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.challenge).toBe(s256Challenge(pair.verifier));
    expect(createPkcePair().verifier).not.toBe(pair.verifier);
  });
});
