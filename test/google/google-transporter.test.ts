import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGoogleConfiguration,
  type GoogleConfiguration,
} from '../../src/google/configuration.js';
import { googleEndpoints } from '../../src/google/endpoints.js';
import { exchangeCode } from '../../src/google/token-exchange.js';

let server: http.Server;
let config: GoogleConfiguration;
const seen: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += String(c)));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'ya29.test-token', id_token: 'a.b.c' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  config = createGoogleConfiguration({
    clientId: 'transporter-test.apps.googleusercontent.com',
    clientSecret: 'transporter-test-secret',
    endpoints: googleEndpoints(`http://127.0.0.1:${port}`),
    timeoutMs: 5000,
  });
});

afterAll(async () => {
  config.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("the code exchange through google-auth-library's transporter", () => {
  it('when a code is exchanged, then the form carries the grant and no library telemetry headers are added', async () => {
    const tokens = await exchangeCode(config, {
      code: 'one-time-code',
      redirectUri: 'postmessage',
    });
    expect(tokens).toEqual({ accessToken: 'ya29.test-token', idToken: 'a.b.c' });
    const [call] = seen.splice(0);
    const form = new URLSearchParams(call!.body);
    expect(form.get('code')).toBe('one-time-code');
    expect(form.get('grant_type')).toBe('authorization_code');
    // The library's default interceptors add these, and log each request and answer (tokens
    // included) when GOOGLE_SDK_NODE_LOGGING is set; they are turned off.
    expect(call!.headers['x-goog-api-client']).toBeUndefined();
    expect(String(call!.headers['user-agent'] ?? '')).not.toContain('google-api-nodejs-client');
  });
});
