import { spawn } from 'node:child_process';
import { once } from 'node:events';
import vm from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';
import { startEmulator, postForm, exchange } from '../support/emulator.js';
import { waitFor } from '../support/wait.js';

const APP = 'http://127.0.0.1:3000';
const CALLBACK = `${APP}/oauth2callback`;

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({
    clients: [
      CLIENT,
      {
        clientId: 'strict-client',
        clientSecret: 'strict-secret',
        redirectUris: ['https://app.example/cb'],
      },
    ],
  });
});
afterAll(() => emu.close());
afterEach(() => emu.clearFaults());

function authUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: CLIENT.clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid email profile',
    ...params,
  });
  return `${emu.url}/o/oauth2/v2/auth?${query.toString()}`;
}

/** Reads the hidden fields of the consent form, as a browser would submit them. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] ?? ''] = (match[2] ?? '')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  return fields;
}

async function approve(fields: Record<string, string>): Promise<Response> {
  return fetch(`${emu.url}/o/oauth2/v2/auth/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

describe('consent page (redirect flow)', () => {
  it('when the request is valid, then it lists the accounts in a form with a banner', async () => {
    const res = await fetch(authUrl({ state: 'st-1' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>Emulated Google — choose an account</title>');
    expect(html).toContain('Emulator — no real Google account is used');
    expect(html).toContain('action="/o/oauth2/v2/auth/approve"');
    for (const account of emu.accounts) expect(html).toContain(`value="${account.sub}"`);
    expect(html).toContain('name="action" value="cancel"');
  });

  it('when an account is chosen, then it redirects with code, scope and state, and the code works', async () => {
    const page = await (await fetch(authUrl({ state: 'st-2', nonce: 'nonce-2' }))).text();
    const res = await approve({ ...hiddenFields(page), account: emu.accounts[1]?.sub ?? '' });
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.get('location')));
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('state')).toBe('st-2');
    expect(location.searchParams.get('scope')).toBe(
      'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
    );
    const code = String(location.searchParams.get('code'));
    const tokens = await exchange(emu, code, { redirect_uri: CALLBACK });
    expect(tokens.status).toBe(200);
  });

  it('when Cancel is pressed, then it redirects with error=access_denied and the state', async () => {
    const page = await (await fetch(authUrl({ state: 'st-3' }))).text();
    const res = await approve({ ...hiddenFields(page), action: 'cancel' });
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.get('location')));
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st-3');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('when the state is hostile, then the page escapes it and the redirect carries it intact', async () => {
    const state = `"><script>alert(1)</script>'&`;
    const html = await (await fetch(authUrl({ state }))).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;');
    const res = await approve({ ...hiddenFields(html), account: emu.accounts[0]?.sub ?? '' });
    expect(new URL(String(res.headers.get('location'))).searchParams.get('state')).toBe(state);
  });

  it('when PKCE parameters are given, then the code requires the verifier', async () => {
    const page = await (
      await fetch(
        authUrl({ code_challenge: 'challenge-plain-0123456789', code_challenge_method: 'plain' }),
      )
    ).text();
    const res = await approve({ ...hiddenFields(page), account: emu.accounts[0]?.sub ?? '' });
    const code = String(new URL(String(res.headers.get('location'))).searchParams.get('code'));
    const tokens = await exchange(emu, code, {
      redirect_uri: CALLBACK,
      code_verifier: 'challenge-plain-0123456789',
    });
    expect(tokens.status).toBe(200);
  });

  it('when client or redirect_uri is wrong, then a 400 error page like Google', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ client_id: 'unknown' }, 'invalid_client'],
      [{ redirect_uri: 'https://evil.example/cb' }, 'redirect_uri_mismatch'],
      [{ client_id: 'strict-client', redirect_uri: CALLBACK }, 'redirect_uri_mismatch'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ redirect_uri: 'postmessage', origin: 'https://evil.example' }, 'invalid_request'],
      [{ redirect_uri: 'postmessage' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const res = await fetch(authUrl(params));
      expect(res.status, error).toBe(400);
      expect(await res.text()).toContain(`Error 400: ${error}`);
    }
    const registered = await fetch(
      authUrl({ client_id: 'strict-client', redirect_uri: 'https://app.example/cb' }),
    );
    expect(registered.status).toBe(200);
  });

  it('when the approve form is tampered with, then it is validated again', async () => {
    const page = await (await fetch(authUrl({}))).text();
    const res = await approve({
      ...hiddenFields(page),
      redirect_uri: 'https://evil.example/cb',
      account: emu.accounts[0]?.sub ?? '',
    });
    expect(res.status).toBe(400);
    const unknownAccount = await approve({ ...hiddenFields(page), account: '1' });
    expect(unknownAccount.status).toBe(400);
  });
});

describe('consent page (popup flow)', () => {
  it('when approved in popup mode, then a page posts the code to the opener origin only', async () => {
    const page = await (
      await fetch(authUrl({ redirect_uri: 'postmessage', origin: APP, state: '</script><b>' }))
    ).text();
    const fields = hiddenFields(page);
    expect(fields.origin).toBe(APP);
    const res = await approve({ ...fields, account: emu.accounts[0]?.sub ?? '' });
    expect(res.status).toBe(200);
    const csp = String(res.headers.get('content-security-policy'));
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`var origin = "${APP}";`);
    expect(html).not.toContain('</script><b>');
    const message = JSON.parse(/var message = (.*);/.exec(html)?.[1] ?? '{}') as Record<
      string,
      string
    >;
    expect(message).toMatchObject({ type: 'emulator-code-response', state: '</script><b>' });
    expect((await exchange(emu, String(message.code))).status).toBe(200);
  });

  it('when cancelled in popup mode, then the page posts access_denied', async () => {
    const page = await (await fetch(authUrl({ redirect_uri: 'postmessage', origin: APP }))).text();
    const html = await (await approve({ ...hiddenFields(page), action: 'cancel' })).text();
    expect(JSON.parse(/var message = (.*);/.exec(html)?.[1] ?? '{}')).toEqual({
      type: 'emulator-code-response',
      error: 'access_denied',
    });
  });
});

interface FakePopup {
  closed: boolean;
}

/** Runs the GSI script in a sandbox with a fake window, as a browser would. */
async function loadGsi(open: (url: string) => FakePopup | null) {
  const script = await (await fetch(`${emu.url}/gsi/client`)).text();
  const listeners: ((event: unknown) => void)[] = [];
  const opened: string[] = [];
  const window: Record<string, unknown> = {
    location: { origin: APP },
    open: (url: string) => {
      opened.push(url);
      return open(url);
    },
    addEventListener: (type: string, fn: (event: unknown) => void) => {
      if (type === 'message') listeners.push(fn);
    },
    removeEventListener: (_type: string, fn: (event: unknown) => void) => {
      listeners.splice(listeners.indexOf(fn), 1);
    },
  };
  vm.runInNewContext(script, {
    window,
    URL,
    URLSearchParams,
    setInterval,
    clearInterval,
    setTimeout,
  });
  const oauth2 = (
    window.google as {
      accounts: { oauth2: { initCodeClient: (c: object) => { requestCode(): void } } };
    }
  ).accounts.oauth2;
  const dispatch = (event: unknown) => [...listeners].forEach((fn) => fn(event));
  return { oauth2, opened, listeners, dispatch };
}

describe('GSI code client script', () => {
  it('when served, then it is JavaScript without eval', async () => {
    const res = await fetch(`${emu.url}/gsi/client`);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('initCodeClient');
    expect(text).not.toMatch(/\beval\(|new Function|innerHTML/);
  });

  it('when the popup answers, then only a message from the emulator origin and popup is accepted', async () => {
    const popup: FakePopup = { closed: false };
    const gsi = await loadGsi(() => popup);
    const results: unknown[] = [];
    const client = gsi.oauth2.initCodeClient({
      client_id: CLIENT.clientId,
      scope: 'openid email profile',
      ux_mode: 'popup',
      state: 'abc',
      callback: (r: unknown) => results.push(r),
    });
    client.requestCode();
    const opened = new URL(String(gsi.opened[0]));
    expect(`${opened.origin}${opened.pathname}`).toBe(`${emu.url}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(opened.searchParams)).toMatchObject({
      client_id: CLIENT.clientId,
      redirect_uri: 'postmessage',
      origin: APP,
      state: 'abc',
      response_type: 'code',
    });
    const data = { type: 'emulator-code-response', code: 'c', scope: 's', state: 'abc' };
    gsi.dispatch({ origin: 'https://evil.example', source: popup, data });
    gsi.dispatch({ origin: emu.url, source: {}, data });
    expect(results).toEqual([]);
    gsi.dispatch({ origin: emu.url, source: popup, data });
    expect(results).toEqual([
      { code: 'c', scope: 's', state: 'abc', authuser: '0', prompt: 'consent' },
    ]);
    expect(gsi.listeners).toHaveLength(0);
  });

  it('when the popup cannot open or is closed, then error_callback says so', async () => {
    const blocked = await loadGsi(() => null);
    const errors: unknown[] = [];
    blocked.oauth2
      .initCodeClient({
        client_id: 'x',
        callback: () => undefined,
        error_callback: (e: unknown) => errors.push(e),
      })
      .requestCode();
    expect(errors).toEqual([
      { type: 'popup_failed_to_open', message: 'Failed to open popup window' },
    ]);

    const popup: FakePopup = { closed: false };
    const closing = await loadGsi(() => popup);
    closing.oauth2
      .initCodeClient({
        client_id: 'x',
        callback: () => undefined,
        error_callback: (e: unknown) => errors.push(e),
      })
      .requestCode();
    popup.closed = true;
    // The client polls the popup; wait for it to notice, however long a loaded machine takes.
    await waitFor(() => errors.length > 1, 'popup_closed');
    expect(errors[1]).toEqual({ type: 'popup_closed', message: 'Popup window closed' });
  });
});

describe('control endpoints', () => {
  it('when a code is created over HTTP, then it can be exchanged', async () => {
    const res = await fetch(`${emu.url}/emulator/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'bob@example.org', client_id: CLIENT.clientId }),
    });
    expect(res.status).toBe(201);
    const { code } = (await res.json()) as { code: string };
    expect((await exchange(emu, code)).status).toBe(200);

    const form = await postForm(`${emu.url}/emulator/codes`, {
      account: emu.accounts[0]?.sub ?? '',
      client_id: CLIENT.clientId,
      redirect_uri: CALLBACK,
      nonce: 'n',
    });
    expect(form.status).toBe(201);
  });

  it('when the account or client is unknown, then 404 or 400', async () => {
    const account = await postForm(`${emu.url}/emulator/codes`, {
      account: 'x@y',
      client_id: CLIENT.clientId,
    });
    expect(account.status).toBe(404);
    const client = await postForm(`${emu.url}/emulator/codes`, {
      account: 'bob@example.org',
      client_id: 'x',
    });
    expect(client.status).toBe(400);
    expect((await postForm(`${emu.url}/emulator/codes`, {})).status).toBe(400);
  });

  it('when accounts are listed, then they come without secrets', async () => {
    const res = await fetch(`${emu.url}/emulator/accounts`);
    const accounts = (await res.json()) as { email: string }[];
    expect(accounts.map((a) => a.email)).toEqual(emu.accounts.map((a) => a.email));
    expect(accounts.length).toBeGreaterThanOrEqual(3);
  });

  it('when faults are posted and deleted over HTTP, then they apply and clear', async () => {
    const post = (body: unknown) =>
      fetch(`${emu.url}/emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post({ endpoint: 'certs', fault: { kind: 'status', status: 500 }, times: 1 })).status,
    ).toBe(201);
    expect((await fetch(`${emu.url}/oauth2/v1/certs`)).status).toBe(500);
    expect(
      (await post({ endpoint: 'certs', fault: { kind: 'status', status: 503 }, times: 'Infinity' }))
        .status,
    ).toBe(201);
    expect((await fetch(`${emu.url}/oauth2/v1/certs`)).status).toBe(503);
    expect((await fetch(`${emu.url}/emulator/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${emu.url}/oauth2/v1/certs`)).status).toBe(200);
    expect((await post({ endpoint: 'nope', fault: { kind: 'hang' } })).status).toBe(400);
    expect((await post({ endpoint: 'certs', fault: { kind: 'explode' } })).status).toBe(400);
    expect((await post({ endpoint: 'certs', fault: { kind: 'noIdToken' } })).status).toBe(400);
  });

  it('when calls are listed over HTTP, then they hold no tokens', async () => {
    await fetch(`${emu.url}/emulator/calls`, { method: 'DELETE' });
    await fetch(`${emu.url}/tokeninfo?access_token=ya29.secret-looking`);
    const calls = (await (await fetch(`${emu.url}/emulator/calls`)).json()) as {
      endpoint: string;
    }[];
    expect(calls.map((c) => c.endpoint)).toEqual(['tokeninfo']);
    expect(JSON.stringify(calls)).not.toContain('secret-looking');
  });

  it('when a browser on another origin calls a control endpoint, then 403', async () => {
    const res = await fetch(`${emu.url}/emulator/faults`, {
      method: 'DELETE',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });

  it('when the key is rotated over HTTP, then the new kid is current', async () => {
    const res = await fetch(`${emu.url}/emulator/rotate-key`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ kid: emu.currentKid });
  });
});

describe('safety', () => {
  it('when NODE_ENV is production, then createEmulator refuses', async () => {
    await expect(createEmulator({ clients: [CLIENT], nodeEnv: 'production' })).rejects.toThrow(
      /production/,
    );
  });

  it('when the host is not loopback, then createEmulator refuses', async () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) {
      await expect(createEmulator({ clients: [CLIENT], host })).rejects.toThrow(/loopback/);
    }
  });

  it('when the CLI runs with NODE_ENV=production, then it exits 1 with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/server/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', EMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain('NODE_ENV=production');
  });

  it('when the CLI gets SIGTERM, then it closes and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/server/main.ts'], {
      env: { ...process.env, NODE_ENV: 'development', EMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('alice@example.com')) resolve();
      });
    });
    const url = /listening at (\S+)/.exec(stdout)?.[1];
    expect((await fetch(`${url}/.well-known/openid-configuration`)).status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    clearTimeout(killer);
    expect(code).toBe(0);
  });
});
