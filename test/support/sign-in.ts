/** The one way tests sign in: the popup flow, as the page's script does it. */
import type supertest from 'supertest';
import { CLIENT } from './client.js';
import type { Agent, Harness } from './harness.js';

/** A one-time code from the emulator, as if `account` had approved on its consent page. */
export function issueCode(h: Pick<Harness, 'emulator'>, account = 'alice@example.com'): string {
  return h.emulator.issueCode({ account, clientId: CLIENT.clientId });
}

/** GET /login as JSON: the state for this client's session. */
export async function getState(agent: Agent): Promise<string> {
  const res = await agent.get('/login').set('Accept', 'application/json').expect(200);
  return (res.body as { state: string }).state;
}

/**
 * A popup-flow sign-in attempt for `account` (email): a state, then the code posted raw. With
 * `prompt: 'consent'` the account approves Google's consent screen again: a new refresh token.
 */
export async function signIn(
  h: Pick<Harness, 'emulator'>,
  agent: Agent,
  account: string,
  options: { prompt?: 'consent' } = {},
): Promise<supertest.Response> {
  const state = await getState(agent);
  const code = h.emulator.issueCode({ account, clientId: CLIENT.clientId, ...options });
  return agent
    .post(`/gconnect?state=${encodeURIComponent(state)}`)
    .type('application/octet-stream')
    .send(code);
}

/** signIn that must succeed (200, and the given content type, HTML by default). */
export async function signInOk(
  h: Pick<Harness, 'emulator'>,
  agent: Agent,
  account: string,
  contentType: RegExp = /text\/html/,
): Promise<supertest.Response> {
  const res = await signIn(h, agent, account);
  if (res.status !== 200 || !contentType.test(String(res.headers['content-type']))) {
    throw new Error(`sign-in as ${account} failed: ${res.status} ${res.text.slice(0, 200)}`);
  }
  return res;
}

/** The cookie named `sid` in a response's Set-Cookie, if any. */
export function sessionCookieOf(res: supertest.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => /^(__Host-)?sid=/.test(c));
}

/** The session id inside a signed `sid` cookie value (`s:<id>.<signature>`). */
export function sessionIdOf(setCookie: string): string {
  const value = decodeURIComponent(setCookie.split(';')[0]!.split('=').slice(1).join('='));
  return value.slice(2, value.lastIndexOf('.'));
}

/** The `sid` cookie an agent holds, read back out of supertest's cookie jar. */
export async function cookieFromJar(agent: Agent): Promise<string> {
  const jar = (
    agent as unknown as { jar: { getCookies(a: unknown): { name: string; value: string }[] } }
  ).jar;
  const { CookieAccessInfo } = await import('cookiejar');
  const sid = jar.getCookies(CookieAccessInfo.All).find((c) => c.name === 'sid');
  return `sid=${sid?.value}`;
}

/**
 * A redirect-flow sign-in as a browser makes it (it asks for pages), up to the callback's
 * answer: /auth/google, then the code Google's consent would give for that authorization request
 * (bound to its redirect_uri, nonce and PKCE challenge), brought back to the callback.
 */
export async function redirectSignIn(
  h: Pick<Harness, 'emulator'>,
  agent: Agent,
  account: string,
): Promise<supertest.Response> {
  const auth = new URL(String((await agent.get('/auth/google').expect(302)).headers.location));
  const q = auth.searchParams;
  const code = h.emulator.issueCode({
    account,
    clientId: CLIENT.clientId,
    redirectUri: q.get('redirect_uri') ?? '',
    nonce: q.get('nonce') ?? '',
    codeChallenge: q.get('code_challenge') ?? '',
    codeChallengeMethod: 'S256',
  });
  return agent
    .get(`/auth/google/callback?code=${encodeURIComponent(code)}&state=${q.get('state')}`)
    .set('Accept', 'text/html');
}
