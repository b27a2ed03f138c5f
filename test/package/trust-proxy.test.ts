// The router is an Express sub-app: without its own trustProxy it follows the host app's
// `trust proxy`, read at each request (set before or after mounting).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGconnect, type Gconnect } from '../../src/index.js';
import { CLIENT } from '../support/client.js';

let dir: string;
let gconnect: Gconnect;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gconnect-proxy-'));
  gconnect = await createGconnect({
    google: CLIENT,
    database: `file:${join(dir, 'app.db')}`,
    production: true,
    baseUrl: 'https://app.example.com',
    sessionSecrets: ['production-secret-0123456789abcdef-0123'],
    tokenKeys: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await gconnect.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The Secure session cookie is set only when Express sees the request as https. */
async function cookieOverForwardedHttps(app: express.Express): Promise<string | undefined> {
  const res = await supertest(app)
    .get('/login')
    .set('Accept', 'application/json')
    .set('X-Forwarded-Proto', 'https')
    .expect(200);
  return ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0];
}

describe("gconnect's router and the host's trust proxy", () => {
  it("when the host trusts its proxy (set after mounting), then gconnect's routes do too: the Secure cookie is set", async () => {
    const app = express();
    app.use(gconnect.router);
    app.set('trust proxy', 'loopback');
    expect(await cookieOverForwardedHttps(app)).toMatch(/^__Host-sid=.*; Secure/);
  });

  it('when the host trusts no proxy, then neither does gconnect: no Secure cookie over plain http', async () => {
    const app = express();
    app.use(gconnect.router);
    expect(await cookieOverForwardedHttps(app)).toBeUndefined();
  });
});
