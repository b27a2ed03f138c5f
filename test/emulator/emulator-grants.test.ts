import { describe, expect, it } from 'vitest';
import { GrantStore, expandScope, verifyPkce } from '../../emulator/oauth/grants.js';
import { MAX_RECORDED_CALLS } from '../../emulator/server/emulator.js';
import { startEmulator } from '../support/emulator.js';

describe('grant store', () => {
  it('when codes and tokens expire, then prune() forgets them', () => {
    let now = 0;
    const store = new GrantStore(() => now);
    for (let i = 0; i < 100; i += 1) {
      store.issueCode({ sub: '1', clientId: 'c', redirectUri: 'postmessage', scope: 'openid' });
      store.issueAccessToken({ sub: '1', clientId: 'c', scope: 'openid' });
    }
    expect(store.size).toEqual({ codes: 100, tokens: 100, refreshTokens: 0 });
    now += 5 * 60 * 1000;
    store.prune();
    expect(store.size).toEqual({ codes: 0, tokens: 100, refreshTokens: 0 });
    now += 3599 * 1000;
    store.prune();
    expect(store.size).toEqual({ codes: 0, tokens: 0, refreshTokens: 0 });
  });

  it('when scopes use short names, then they are expanded like Google reports them', () => {
    expect(expandScope('openid email profile')).toBe(
      'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
    );
    expect(expandScope(undefined)).toBe(expandScope('openid email profile'));
  });

  it('when no challenge was given, then any verifier passes', () => {
    const grant = { sub: '1', clientId: 'c', redirectUri: 'x', scope: 's', expiresAt: 1 };
    expect(verifyPkce(grant, undefined)).toBe(true);
    expect(
      verifyPkce({ ...grant, codeChallenge: 'abc', codeChallengeMethod: 'plain' }, 'abd'),
    ).toBe(false);
  });
});

describe('call log', () => {
  // Over ten thousand requests: on a loaded machine this takes longer than the default timeout.
  it(
    'when more requests arrive than the log holds, then the oldest are dropped',
    { timeout: 120_000 },
    async () => {
      const emu = await startEmulator();
      try {
        const total = MAX_RECORDED_CALLS + 50;
        for (let i = 0; i < total; i += 50) {
          await Promise.all(
            Array.from({ length: 50 }, () => fetch(`${emu.url}/.well-known/openid-configuration`)),
          );
        }
        const calls = emu.calls();
        expect(calls.length).toBeLessThanOrEqual(MAX_RECORDED_CALLS);
        expect(calls.length).toBeGreaterThan(MAX_RECORDED_CALLS * 0.8);
      } finally {
        await emu.close();
      }
    },
  );
});
