import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/from-env.js';
import { ConfigError } from '../../src/config/resolve.js';
import { CLIENT } from '../support/client.js';
import type { Harness } from '../support/harness.js';
import { redirectSignIn } from '../support/sign-in.js';
import { useHarness } from '../support/use-harness.js';

const BASE_URL = 'https://app.example.com';
const CALLBACK = `${BASE_URL}/auth/google/callback`;

function baseUrlProblems(env: Record<string, string>): string[] {
  try {
    loadConfig({ GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b', ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.filter((p) => p.includes('BASE_URL'));
    throw err;
  }
  return [];
}

describe('BASE_URL in the configuration', () => {
  it('when it is an origin, then it is kept without a trailing slash', () => {
    const config = loadConfig({
      GOOGLE_CLIENT_ID: 'a',
      GOOGLE_CLIENT_SECRET: 'b',
      BASE_URL: 'https://App.Example.com:8443/',
    });
    expect(config.baseUrl).toBe('https://app.example.com:8443');
  });

  it('when it is unset, then the request decides', () => {
    expect(
      loadConfig({ GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' }).baseUrl,
    ).toBeUndefined();
  });

  it.each([
    'app.example.com',
    'https://app.example.com/app',
    'https://app.example.com/?x=1',
    'ftp://app.example.com',
  ])('when it is %s, then startup names BASE_URL and the expected shape', (value) => {
    expect(baseUrlProblems({ BASE_URL: value })).toEqual([
      `BASE_URL must be an origin like https://app.example.com (scheme, host and port; no path), got "${value}".`,
    ]);
  });

  it('when production has an http BASE_URL, then startup asks for https', () => {
    const [problem] = baseUrlProblems({
      NODE_ENV: 'production',
      BASE_URL: 'http://app.example.com',
    });
    expect(problem).toMatch(/BASE_URL must be https:\/\/ when NODE_ENV=production/);
  });

  it('when production has an http BASE_URL on loopback, then it is accepted (trying production locally)', () => {
    expect(baseUrlProblems({ NODE_ENV: 'production', BASE_URL: 'http://127.0.0.1:3000' })).toEqual(
      [],
    );
    expect(baseUrlProblems({ NODE_ENV: 'production', BASE_URL: 'http://localhost:3000' })).toEqual(
      [],
    );
  });
});

describe('BASE_URL in the running app', () => {
  let h: Harness;
  useHarness(
    {
      env: { BASE_URL },
      // Google accepts only registered redirect URIs: register the public one.
      emulatorOptions: { clients: [{ ...CLIENT, redirectUris: [CALLBACK] }] },
    },
    (s) => (h = s.h),
  );

  it('when the redirect flow starts, then redirect_uri is BASE_URL, whatever Host says', async () => {
    const res = await h.client().get('/auth/google').set('Host', 'attacker.example').expect(302);
    expect(new URL(String(res.headers.location)).searchParams.get('redirect_uri')).toBe(CALLBACK);
  });

  it('when Google calls back, then the code exchange names the same BASE_URL callback and the sign-in completes', async () => {
    const agent = h.client();
    // The emulator's code is bound to the redirect_uri of the authorization request.
    expect((await redirectSignIn(h, agent, 'alice@example.com')).status).toBe(303);
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({ email: 'alice@example.com' });
  });

  it("when a POST's Origin is the request's Host but not BASE_URL, then it is cross-site (403)", async () => {
    await h
      .client()
      .post('/logout')
      .set('Origin', h.url)
      .expect(403)
      .expect('"Cross-site request refused."');
  });

  it("when a POST's Origin is BASE_URL, then it is same-site", async () => {
    await h.client().post('/logout').set('Origin', BASE_URL).expect(303);
  });
});
