import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { CLIENT } from '../../support/client.js';
import type { Agent, Harness } from '../../support/harness.js';
import { useHarness } from '../../support/use-harness.js';

/**
 * The app's own Android and iOS clients: GET /auth/nonce, Google's sign-in on the device, then
 * POST /auth/google/native with the ID token, against the emulator's tokens for those clients.
 */
const ANDROID = 'android-app.apps.googleusercontent.com';
const IOS = { clientId: 'ios-app.apps.googleusercontent.com', clientSecret: 'ios-unused' };
const STRANGER = { clientId: 'stranger.apps.googleusercontent.com', clientSecret: 'x' };
const ALICE = 'alice@example.com';
const INVALID_ID_TOKEN = 'Invalid ID token.';

let h: Harness;
useHarness(
  {
    env: { GOOGLE_NATIVE_CLIENT_IDS: `${ANDROID}, ${IOS.clientId}` },
    emulatorOptions: { clients: [CLIENT, IOS, STRANGER] },
  },
  (s) => ({ h } = s),
);

/** A native HTTP client with a cookie jar: its nonce from GET /auth/nonce. */
async function nonceFor(agent: Agent): Promise<string> {
  const res = await agent.get('/auth/nonce').expect(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return (res.body as { nonce: string }).nonce;
}

type Shape = { clientId: string; azp?: string };
const androidShape: Shape = { clientId: CLIENT.clientId, azp: ANDROID };
const iosShape: Shape = { clientId: IOS.clientId };

function token(nonce: string | undefined, shape: Shape, account = ALICE): Promise<string> {
  return h.emulator.issueCredential({ account, nonce, ...shape });
}

function post(agent: Agent, credential: string): supertest.Test {
  return agent.post('/auth/google/native').send({ credential });
}

describe('POST /auth/google/native (the app’s Android and iOS clients)', () => {
  it.each([
    ['Android (aud = web client, azp = Android client)', androidShape],
    ['iOS (aud = azp = iOS client)', iosShape],
    ['the web client itself', { clientId: CLIENT.clientId }],
  ])(
    'when a curl-like client (no Origin) posts a token of %s, then 200 with the user and a session /me knows',
    async (_name, shape) => {
      const agent = supertest.agent(h.url);
      const res = await post(agent, await token(await nonceFor(agent), shape));
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ email: ALICE, name: 'Alice Example', emailVerified: true });
      expect(Object.keys(res.body as object).sort()).toEqual(
        ['email', 'emailVerified', 'id', 'name', 'picture'].sort(),
      );
      expect(res.headers['cache-control']).toBe('no-store');
      const me = await agent.get('/me').expect(200);
      expect(me.body).toEqual(res.body);
    },
  );

  it('when the token names a client ID the app does not list, then 401 and nobody is signed in', async () => {
    const agent = supertest.agent(h.url);
    const nonce = await nonceFor(agent);
    for (const shape of [
      { clientId: STRANGER.clientId },
      { clientId: CLIENT.clientId, azp: 'unknown-android.apps.googleusercontent.com' },
    ]) {
      const res = await post(agent, await token(nonce, shape));
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 401,
        body: INVALID_ID_TOKEN,
      });
    }
    await agent.get('/me').expect(401);
    // The refusals used nothing up: the same nonce still signs in with a good token.
    await post(agent, await token(nonce, iosShape)).expect(200);
  });

  it('when the same nonce comes back in a second token, then 401 the second time', async () => {
    const agent = supertest.agent(h.url);
    const nonce = await nonceFor(agent);
    await post(agent, await token(nonce, androidShape)).expect(200);
    const again = await post(supertest.agent(h.url), await token(nonce, androidShape));
    expect(again.status).toBe(401);
    const sameBrowser = await post(agent, await token(nonce, androidShape));
    expect({ status: sameBrowser.status, body: sameBrowser.body as unknown }).toEqual({
      status: 401,
      body: INVALID_ID_TOKEN,
    });
  });

  it('when the same token is posted twice, then 401 the second time (jti single use)', async () => {
    const agent = supertest.agent(h.url);
    const credential = await token(await nonceFor(agent), iosShape);
    await post(agent, credential).expect(200);
    const res = await post(agent, credential);
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 401,
      body: INVALID_ID_TOKEN,
    });
  });

  it('when the token is posted without the cookie /auth/nonce set, then 401: the nonce is bound to it', async () => {
    const agent = supertest.agent(h.url);
    const credential = await token(await nonceFor(agent), iosShape);
    const res = await supertest(h.url).post('/auth/google/native').send({ credential });
    expect(res.status).toBe(401);
    // The holder of the cookie still can: the refusal used nothing up.
    await post(agent, credential).expect(200);
  });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    ['an Origin of another site', { Origin: 'https://evil.example' }],
  ])(
    'when a browser marks the post as cross-site (%s), then 403 and nothing is used up',
    async (_name, headers) => {
      const agent = supertest.agent(h.url);
      const credential = await token(await nonceFor(agent), androidShape);
      const res = await post(agent, credential).set(headers);
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 403,
        body: 'Cross-site request refused.',
      });
      await agent.get('/me').expect(401);
      await post(agent, credential).expect(200);
    },
  );

  it('when the body is a form, not JSON, then 415', async () => {
    const agent = supertest.agent(h.url);
    const credential = await token(await nonceFor(agent), iosShape);
    await agent.post('/auth/google/native').type('form').send({ credential }).expect(415);
  });
});

describe('POST /auth/google/native with ALLOWED_DOMAINS', () => {
  let allowed: Harness;
  useHarness(
    {
      env: { GOOGLE_NATIVE_CLIENT_IDS: ANDROID, ALLOWED_DOMAINS: 'example.com' },
      emulatorOptions: { clients: [CLIENT] },
    },
    (s) => ({ h: allowed } = s),
  );

  it('when the account is outside the allowed domain, then 403 as for every sign-in, and no user row', async () => {
    const agent = supertest.agent(allowed.url);
    const nonce = (await agent.get('/auth/nonce').expect(200)).body as { nonce: string };
    const credential = await allowed.emulator.issueCredential({
      account: ALICE,
      nonce: nonce.nonce,
      ...androidShape,
    });
    const res = await agent.post('/auth/google/native').send({ credential });
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 403,
      body: 'This Google account is not allowed to sign in.',
    });
    expect(allowed.userRows()).toEqual([]);
  });
});

describe('POST /auth/google/native and the failed sign-in limit', () => {
  let limited: Harness;
  useHarness(
    { env: { GOOGLE_NATIVE_CLIENT_IDS: ANDROID, RATE_LIMIT_PER_MINUTE: '2' } },
    (s) => ({ h: limited } = s),
  );

  it('when a client fails to sign in as often as the limit allows, then its next attempt is 429', async () => {
    const post = () =>
      supertest(limited.url).post('/auth/google/native').send({ credential: 'not-a-token' });
    expect((await post()).status).toBe(401);
    expect((await post()).status).toBe(401);
    const res = await post();
    expect(res.status).toBe(429);
    expect(res.body).toBe('Too many sign-in attempts; try again later.');
  });
});
