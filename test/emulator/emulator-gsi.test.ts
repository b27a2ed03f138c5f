import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';
import { decodeJwt, postForm, startEmulator, verifiesWithJwks } from '../support/emulator.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
afterEach(() => emu.clearFaults());

const APP = 'http://127.0.0.1:3999';
const ALICE = 'alice@example.com';

function credentialFor(account = ALICE, nonce: string | undefined = 'n-1') {
  return emu.issueCredential({ account, clientId: CLIENT.clientId, nonce });
}

function selectUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({ client_id: CLIENT.clientId, origin: APP, ...params });
  return `${emu.url}/gsi/select?${query.toString()}`;
}

/** The chooser's hidden fields plus the chosen account, posted like the page's form. */
async function approve(params: Record<string, string>, choice: string, cookie?: string) {
  const page = await (await fetch(selectUrl(params))).text();
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1] ?? ''] = (m[2] ?? '').replace(/&amp;/g, '&');
  }
  if (choice === 'cancel') fields.action = 'cancel';
  else fields.account = emu.accounts.find((a) => a.email === choice)?.sub ?? '';
  return fetch(`${emu.url}/gsi/select/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

function hiddenValue(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

describe('emulator: Google Identity Services credentials (button and One Tap)', () => {
  it('when a credential is issued, then it is an RS256 ID token with nonce, jti, nbf and no at_hash', async () => {
    const jwt = await credentialFor();
    expect(await verifiesWithJwks(emu, jwt)).toBe(true);
    const { payload } = decodeJwt(jwt);
    expect(payload).toMatchObject({ iss: emu.url, aud: CLIENT.clientId, nonce: 'n-1' });
    expect(payload.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(payload.nbf).toBe(Number(payload.iat) - 300);
    expect(payload.at_hash).toBeUndefined();
    expect(decodeJwt(await credentialFor()).payload.jti).not.toBe(payload.jti);
  });

  it('when an idToken fault is planned for gsi, then the next credential carries it, once', async () => {
    emu.inject('gsi', { kind: 'idToken', claims: { aud: 'someone-else', nonce: null } });
    const forged = decodeJwt(await credentialFor()).payload;
    expect(forged.aud).toBe('someone-else');
    expect(forged.nonce).toBeUndefined();
    expect(decodeJwt(await credentialFor()).payload.aud).toBe(CLIENT.clientId);
  });

  it('when a transport fault is planned for gsi, then it is refused (credentials are not fetched)', () => {
    expect(() => emu.inject('gsi', { kind: 'status', status: 500 })).toThrow(/gsi/);
    expect(() => emu.inject('token', { kind: 'csrfMismatch' })).toThrow(/gsi/);
  });

  it('when POST /emulator/credentials, then it answers a credential for that account', async () => {
    const res = await postForm(`${emu.url}/emulator/credentials`, {
      account: ALICE,
      client_id: CLIENT.clientId,
      nonce: 'n-2',
    });
    expect(res.status).toBe(201);
    const { credential } = (await res.json()) as { credential: string };
    expect(decodeJwt(credential).payload).toMatchObject({ email: ALICE, nonce: 'n-2' });
    const unknown = await postForm(`${emu.url}/emulator/credentials`, {
      account: 'nobody@example.com',
      client_id: CLIENT.clientId,
    });
    expect(unknown.status).toBe(404);
  });

  it('when the chooser is asked for a foreign origin or a redirect without CSRF token, then 400', async () => {
    expect((await fetch(selectUrl({ mode: 'popup', origin: 'https://evil.example' }))).status).toBe(
      400,
    );
    const noToken = selectUrl({ mode: 'redirect', login_uri: `${APP}/auth/google/credential` });
    expect((await fetch(noToken)).status).toBe(400);
    const elsewhere = selectUrl({
      mode: 'redirect',
      login_uri: 'http://127.0.0.1:1/x',
      g_csrf_token: 'abc',
    });
    expect((await fetch(elsewhere)).status).toBe(400);
  });

  it('when an account is chosen in redirect mode, then the page posts credential, g_csrf_token and select_by to login_uri', async () => {
    const loginUri = `${APP}/auth/google/credential`;
    const res = await approve(
      { mode: 'redirect', login_uri: loginUri, g_csrf_token: 'tok-1', nonce: 'n-3' },
      ALICE,
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`action="${loginUri}"`);
    expect(hiddenValue(html, 'g_csrf_token')).toBe('tok-1');
    expect(hiddenValue(html, 'select_by')).toBe('btn');
    expect(decodeJwt(hiddenValue(html, 'credential') ?? '').payload.nonce).toBe('n-3');
    expect(res.headers.get('content-security-policy')).toContain(`form-action 'self' ${APP}`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('when the csrfMismatch fault is planned, then the posted g_csrf_token differs from the cookie value', async () => {
    emu.inject('gsi', { kind: 'csrfMismatch' });
    const res = await approve(
      { mode: 'redirect', login_uri: `${APP}/auth/google/credential`, g_csrf_token: 'tok-2' },
      ALICE,
    );
    const posted = hiddenValue(await res.text(), 'g_csrf_token');
    expect(posted).toMatch(/^[0-9a-f]{32}$/);
    expect(posted).not.toBe('tok-2');
  });

  it('when One Tap is answered, then the page messages its parent only, and may be framed only by the app', async () => {
    const res = await approve({ mode: 'onetap' }, ALICE);
    const html = await res.text();
    expect(html).toContain('"select_by":"user_1tap"');
    expect(html).toContain(`var origin = "${APP}"`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors ${APP}`);
  });

  it('when One Tap asks with auto_select and the account was chosen before, then it is delivered at once (select_by auto)', async () => {
    const first = await approve({ mode: 'popup' }, ALICE);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^g_emulator_account=\d+$/);
    const auto = await (
      await fetch(selectUrl({ mode: 'onetap', auto_select: 'true' }), { headers: { cookie } })
    ).text();
    expect(auto).toContain('"select_by":"auto"');
    const off = await (
      await fetch(selectUrl({ mode: 'onetap', auto_select: 'false' }), { headers: { cookie } })
    ).text();
    expect(off).toContain('Sign in to 127.0.0.1:3999 with Google');
    const noSession = await (
      await fetch(selectUrl({ mode: 'onetap', auto_select: 'true' }))
    ).text();
    expect(noSession).not.toContain('"select_by":"auto"');
  });

  it('when Cancel is pressed, then popup and One Tap get a cancelled message and redirect mode goes back to the app', async () => {
    expect(await (await approve({ mode: 'popup' }, 'cancel')).text()).toContain(
      '"error":"cancelled"',
    );
    const redirect = await approve(
      { mode: 'redirect', login_uri: `${APP}/auth/google/credential`, g_csrf_token: 't' },
      'cancel',
    );
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${APP}/`);
  });

  it('when /gsi/client is loaded, then it defines google.accounts.id beside the code client', async () => {
    const script = await (await fetch(`${emu.url}/gsi/client`)).text();
    for (const name of ['initialize', 'renderButton', 'prompt', 'cancel', 'disableAutoSelect']) {
      expect(script).toContain(`${name}: ${name}`);
    }
    expect(script).toContain('google.accounts.oauth2.initCodeClient');
  });
});
