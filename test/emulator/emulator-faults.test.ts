import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';
import {
  startEmulator,
  issueTokens,
  decodeJwt,
  fetchJwks,
  fetchPems,
  verifiesWithJwks,
} from '../support/emulator.js';
import { waitFor } from '../support/wait.js';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
afterEach(() => emu.clearFaults());

describe('transport faults', () => {
  it('when a status fault is injected, then the next request gets it and the one after is normal', async () => {
    emu.inject('certs', { kind: 'status', status: 500 });
    const failed = await fetch(`${emu.url}/oauth2/v3/certs`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: 'internal_failure' });
    expect((await fetch(`${emu.url}/oauth2/v3/certs`)).status).toBe(200);
  });

  it('when a reset fault is injected, then the connection closes without an answer and the next request is normal', async () => {
    emu.inject('certs', { kind: 'reset' });
    await expect(fetch(`${emu.url}/oauth2/v3/certs`)).rejects.toThrow();
    expect((await fetch(`${emu.url}/oauth2/v3/certs`)).status).toBe(200);
  });

  it('when a status fault has a string body and a content type, then they are sent as-is', async () => {
    emu.inject('token', {
      kind: 'status',
      status: 200,
      body: '<html>oops</html>',
      contentType: 'text/html',
    });
    emu.inject('token', { kind: 'status', status: 200, body: '{"access_tok' });
    const html = await fetch(`${emu.url}/token`, { method: 'POST' });
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(await html.text()).toBe('<html>oops</html>');
    const truncated = await fetch(`${emu.url}/token`, { method: 'POST' });
    expect(truncated.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await truncated.text()).toBe('{"access_tok');
  });

  it('when a status fault is not consumed by the code, then the code still works afterwards', async () => {
    emu.inject('token', { kind: 'status', status: 503, body: { error: 'backend' } });
    const code = emu.issueCode({ account: 'alice@example.com', clientId: CLIENT.clientId });
    const body = new URLSearchParams({
      code,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: 'postmessage',
    });
    const first = await fetch(`${emu.url}/token`, { method: 'POST', body });
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: 'backend' });
    expect((await fetch(`${emu.url}/token`, { method: 'POST', body })).status).toBe(200);
  });

  it('when times is given, then the fault applies that many times; Infinity until clearFaults', async () => {
    emu.inject('discovery', { kind: 'status', status: 502 }, { times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await fetch(`${emu.url}/.well-known/openid-configuration`)).status);
    }
    expect(statuses).toEqual([502, 502, 200]);
    emu.inject('discovery', { kind: 'status', status: 500 }, { times: Infinity });
    for (let i = 0; i < 5; i += 1) {
      expect((await fetch(`${emu.url}/.well-known/openid-configuration`)).status).toBe(500);
    }
    emu.clearFaults();
    expect((await fetch(`${emu.url}/.well-known/openid-configuration`)).status).toBe(200);
  });

  it('when a hang with ms is injected, then the answer comes late but normal', async () => {
    emu.inject('certs', { kind: 'hang', ms: 150 });
    const started = Date.now();
    const res = await fetch(`${emu.url}/oauth2/v1/certs`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('when a request hangs forever, then close() still ends promptly and the client sees a reset', async () => {
    const hanging = await startEmulator();
    hanging.inject('token', { kind: 'hang' });
    const pending = fetch(`${hanging.url}/token`, { method: 'POST' }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => hanging.calls('token').length === 1, 'the token request to arrive');
    // close() must not wait for the hang to end: the hang never ends, so the test's own
    // timeout is the bound.
    await hanging.close();
    expect(await pending).toBe('failed');
  });

  it('when a client gives up on a hang (deadline), then it gets its own timeout', async () => {
    emu.inject('userinfo', { kind: 'hang' });
    const outcome = await fetch(`${emu.url}/oauth2/v3/userinfo`, {
      signal: AbortSignal.timeout(100),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(outcome).toBe('TimeoutError');
  });

  it('when trickle is injected, then headers come first and the body one byte at a time', async () => {
    emu.inject('revoke', { kind: 'trickle', intervalMs: 5 });
    const started = Date.now();
    const res = await fetch(`${emu.url}/revoke?token=unknown`, { method: 'POST' });
    const headersAfter = Date.now() - started;
    const text = await res.text();
    const bodyAfter = Date.now() - started;
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: 'invalid_token',
      error_description: 'Token expired or revoked',
    });
    expect(headersAfter).toBeLessThan(bodyAfter);
    expect(bodyAfter).toBeGreaterThanOrEqual(text.length * 4);
  });

  it('when huge is injected, then a 200 JSON body of exactly that many bytes is streamed', async () => {
    const bytes = 10 * 1024 * 1024;
    emu.inject('tokeninfo', { kind: 'huge', bytes });
    const res = await fetch(`${emu.url}/tokeninfo?access_token=x`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes));
    let received = 0;
    let first = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (received === 0) first = Buffer.from(chunk).toString().slice(0, 12);
      received += chunk.length;
    }
    expect(received).toBe(bytes);
    expect(first).toBe('{"padding":"');
  });

  it('when a huge response is abandoned by the client, then the emulator keeps serving', async () => {
    emu.inject('certs', { kind: 'huge', bytes: 50 * 1024 * 1024 });
    const controller = new AbortController();
    const res = await fetch(`${emu.url}/oauth2/v3/certs`, { signal: controller.signal });
    controller.abort();
    await res.body?.cancel().catch(() => undefined);
    expect((await fetch(`${emu.url}/oauth2/v3/certs`)).status).toBe(200);
  });
});

describe('ID token faults', () => {
  it('when sign is none, then alg is none and the signature segment is empty', async () => {
    emu.inject('token', { kind: 'idToken', sign: 'none' });
    const jwt = String((await issueTokens(emu)).id_token);
    expect(jwt.endsWith('.')).toBe(true);
    expect(decodeJwt(jwt).header).toMatchObject({ alg: 'none', kid: emu.currentKid });
  });

  it('when sign is hs256-client-secret, then it is an HMAC with the client secret', async () => {
    emu.inject('token', { kind: 'idToken', sign: 'hs256-client-secret' });
    const jwt = String((await issueTokens(emu)).id_token);
    const { header, signingInput, signature } = decodeJwt(jwt);
    expect(header.alg).toBe('HS256');
    const expected = createHmac('sha256', CLIENT.clientSecret).update(signingInput).digest();
    expect(signature.equals(expected)).toBe(true);
  });

  it('when sign is flip-signature, then the signature does not verify', async () => {
    emu.inject('token', { kind: 'idToken', sign: 'flip-signature' });
    const jwt = String((await issueTokens(emu)).id_token);
    expect(decodeJwt(jwt).header.alg).toBe('RS256');
    expect(await verifiesWithJwks(emu, jwt)).toBe(false);
  });

  it('when sign is unknown-key, then its kid is not published', async () => {
    emu.inject('token', { kind: 'idToken', sign: 'unknown-key' });
    const jwt = String((await issueTokens(emu)).id_token);
    const kid = String(decodeJwt(jwt).header.kid);
    expect(kid).not.toBe(emu.currentKid);
    expect(Object.keys(await fetchPems(emu))).not.toContain(kid);
  });

  it('when claims and header are overridden, then they are merged and null deletes', async () => {
    emu.inject('token', {
      kind: 'idToken',
      claims: { aud: 'someone-else', exp: null, iss: 'https://evil.example' },
      header: { kid: null, typ: 'at+jwt' },
    });
    const jwt = String((await issueTokens(emu)).id_token);
    const { header, payload } = decodeJwt(jwt);
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      aud: 'someone-else',
      iss: 'https://evil.example',
      azp: CLIENT.clientId,
    });
    expect(payload).not.toHaveProperty('exp');
  });

  it('when noIdToken is injected, then the token response has no id_token', async () => {
    emu.inject('token', { kind: 'noIdToken' });
    const tokens = await issueTokens(emu);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens).not.toHaveProperty('id_token');
  });

  it('when a content fault is injected on the wrong endpoint, then inject throws', () => {
    expect(() => emu.inject('certs', { kind: 'idToken' })).toThrow(/applies only to token/);
    expect(() => emu.inject('token', { kind: 'claims', claims: {} })).toThrow();
  });
});

describe('content faults', () => {
  it('when claims are injected on tokeninfo, then they override the real ones', async () => {
    const tokens = await issueTokens(emu);
    emu.inject('tokeninfo', { kind: 'claims', claims: { sub: '999', aud: 'other', email: null } });
    const info = (await (
      await fetch(`${emu.url}/tokeninfo?access_token=${tokens.access_token}`)
    ).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ sub: '999', aud: 'other', azp: CLIENT.clientId });
    expect(info).not.toHaveProperty('email');
  });

  it('when claims are injected on userinfo, then they override the real ones', async () => {
    const tokens = await issueTokens(emu);
    emu.inject('userinfo', {
      kind: 'claims',
      claims: { sub: '42', picture: 'javascript:alert(1)' },
    });
    const res = await fetch(`${emu.url}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await res.json()).toMatchObject({
      sub: '42',
      picture: 'javascript:alert(1)',
      email: 'alice@example.com',
    });
  });

  it('when extraKeys are injected, then the JWKS carries them and the PEM map does not', async () => {
    const ec = { kty: 'EC', crv: 'P-256', kid: 'ec-key', x: 'AAAA', y: 'BBBB' };
    const oct = { kty: 'oct', kid: 'hmac-key', k: 'c2VjcmV0' };
    emu.inject('certs', { kind: 'extraKeys', jwks: [ec, oct] }, { times: 2 });
    const keys = await fetchJwks(emu);
    expect(keys.map((k) => k.kid)).toEqual([emu.currentKid, 'ec-key', 'hmac-key']);
    expect(Object.keys(await fetchPems(emu))).toEqual([emu.currentKid]);
  });
});

describe('latency and benchmark mode', () => {
  it('when delayMs is set, then token-side endpoints answer after it and pages do not', async () => {
    const slow = await startEmulator({ delayMs: 2000 });
    try {
      const started = Date.now();
      let certsAnswered = false;
      const certs = fetch(`${slow.url}/oauth2/v3/certs`).then(() => (certsAnswered = true));
      // A page answers while the delayed certs request is still waiting.
      expect((await fetch(`${slow.url}/.well-known/openid-configuration`)).status).toBe(200);
      expect(certsAnswered).toBe(false);
      await certs;
      // A lower bound only: a loaded machine makes it later, never earlier.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1990);
    } finally {
      await slow.close();
    }
  });

  it('when reuseIdTokens is on, then the same signed ID token is reused and still verifies', async () => {
    const bench = await startEmulator({ reuseIdTokens: true });
    try {
      const first = await issueTokens(bench);
      const second = await issueTokens(bench);
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.id_token).toBe(first.id_token);
      expect(await verifiesWithJwks(bench, String(first.id_token))).toBe(true);
      expect(decodeJwt(String(first.id_token)).payload).not.toHaveProperty('at_hash');
      const bob = await issueTokens(bench, 'bob@example.org');
      expect(bob.id_token).not.toBe(first.id_token);
      await bench.rotateKey();
      const rotated = await issueTokens(bench);
      expect(decodeJwt(String(rotated.id_token)).header.kid).toBe(bench.currentKid);
    } finally {
      await bench.close();
    }
  });
});
