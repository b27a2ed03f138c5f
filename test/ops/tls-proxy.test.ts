/**
 * The production-shaped TLS proxies of deploy/ (haproxy-tls.cfg, nginx.conf), each run for real
 * in front of the app in production mode, with a throwaway certificate: a person signs in over
 * HTTPS through them, gets the Secure __Host-sid cookie, and the app sees the client's address.
 * The app's production settings are given as overrides (production refuses the emulator).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/from-env.js';
import { CLIENT } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitUntil } from '../support/wait-until.js';

const HAPROXY_TLS = fileURLToPath(new URL('../../deploy/haproxy-tls.cfg', import.meta.url));
const NGINX_SITE = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));
const ALICE = 'alice@example.com';
/** The production app's HSTS policy (helmet's default), which the proxies also send. */
const HSTS = 'max-age=31536000; includeSubDomains';
/**
 * The client connects from its own loopback address, in another /24 than the proxy's 127.0.0.1
 * (the session list shows a /24): the app can only know it from X-Forwarded-For.
 */
const CLIENT_ADDRESS = '127.0.5.1';
const CLIENT_NETWORK = '127.0.5.0/24';
/** What a client claims to be in X-Forwarded-For; the edge proxy must not pass it on. */
const FORGED_ADDRESS = '198.51.100.7';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

interface Proxy {
  readonly child: ChildProcess;
  output(): string;
}

/** Two sockets bound and listening here, handed to the proxy as fds 3 (HTTPS) and 4 (HTTP). */
async function bindSockets() {
  const bind = async () => {
    const listener = createServer();
    // Listening, never accepting here: the proxy inherits the socket.
    listener.listen({ port: 0, host: '127.0.0.1', backlog: 511 });
    await once(listener, 'listening');
    const { port } = listener.address() as AddressInfo;
    const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
    return { listener, port, fd };
  };
  return { https: await bind(), http: await bind() };
}
type Sockets = Awaited<ReturnType<typeof bindSockets>>;

/** A self-signed certificate for localhost and 127.0.0.1, good for one day. */
function throwawayCertificate(dir: string) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  // HAProxy reads the chain and its key from one file.
  const pem = join(dir, 'cert-and-key.pem');
  writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, pem, ca: readFileSync(cert, 'utf8') };
}

/** A binary on PATH, or in /usr/sbin (not on a non-root user's PATH on Debian). */
function binary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin'];
  const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed (.ci/run installs it)`);
  return found;
}

function spawnProxy(command: string, args: string[], env: Record<string, string>, s: Sockets) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', s.https.fd, s.http.fd],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  // The proxy holds its own copies now.
  s.https.listener.close();
  s.http.listener.close();
  return { child, output: () => out } satisfies Proxy;
}

/** deploy/haproxy-tls.cfg as written, configured by its environment variables. */
function startHaproxy(s: Sockets, tls: { pem: string }, baseUrl: string, appPort: string) {
  return spawnProxy(
    binary('haproxy'),
    ['-db', '-f', HAPROXY_TLS],
    {
      HTTPS_BIND: 'fd@3',
      HTTP_BIND: 'fd@4',
      TLS_PEM: tls.pem,
      BASE_URL: baseUrl,
      APP1: `127.0.0.1:${appPort}`,
    },
    s,
  );
}

/** Replaces `from` in `text`, which must occur exactly `times` times (the site file changed?). */
function substitute(text: string, from: string, to: string, times = 1): string {
  const found = text.split(from).length - 1;
  if (found !== times) throw new Error(`deploy/nginx.conf: "${from}" ${found} times, not ${times}`);
  return text.replaceAll(from, to);
}

/**
 * deploy/nginx.conf with only its addresses, host name and certificate paths changed, inside a
 * minimal main configuration of the test's own: paths in a temporary prefix, in the foreground,
 * logging to stderr. The listening sockets are inherited as nginx inherits them across a binary
 * upgrade (the NGINX variable names their fds), so their ports are known before the app starts.
 */
function startNginx(
  s: Sockets,
  tls: { cert: string; key: string },
  baseUrl: string,
  appPort: string,
  dir: string,
) {
  let site = readFileSync(NGINX_SITE, 'utf8');
  site = substitute(site, 'server 127.0.0.1:3000;', `server 127.0.0.1:${appPort};`);
  site = substitute(site, 'listen [::]:80;', '');
  site = substitute(site, 'listen 80;', `listen 127.0.0.1:${s.http.port};`);
  site = substitute(site, 'listen [::]:443 ssl http2;', '');
  site = substitute(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${s.https.port} ssl http2;`);
  site = substitute(site, 'https://app.example.com$request_uri', `${baseUrl}$request_uri`);
  site = substitute(site, '/etc/letsencrypt/live/app.example.com/fullchain.pem', tls.cert);
  site = substitute(site, '/etc/letsencrypt/live/app.example.com/privkey.pem', tls.key);
  site = substitute(site, 'server_name app.example.com;', 'server_name localhost;', 2);
  writeFileSync(join(dir, 'gconnect.conf'), site);
  // As root, nginx would switch its workers to `nobody`, who cannot enter this 0700 temporary
  // directory; as any other user the `user` directive is ignored with a warning. So: root's
  // workers stay root (a test-only setting; a real nginx.conf names its unprivileged user).
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${join(dir, t)};`)
    .join('\n  ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
${user}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  ${temp}
  include ${join(dir, 'gconnect.conf')};
}
`,
  );
  return spawnProxy(
    binary('nginx'),
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'],
    { NGINX: '3;4;' },
    s,
  );
}

/** One request from CLIENT_ADDRESS, trusting only the throwaway certificate; no redirects followed. */
function send(
  url: string,
  ca: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: CLIENT_ADDRESS,
        ca,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** name=value of every cookie set, as a Cookie header sends them back. */
function cookiesOf(answer: Answer, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const c of answer.headers['set-cookie'] ?? []) {
    const [pair = ''] = c.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return jar;
}
const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

function sessionCookie(answer: Answer): string | undefined {
  return (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-sid='));
}

const PROXIES = {
  haproxy: 'deploy/haproxy-tls.cfg',
  nginx: 'deploy/nginx.conf',
} as const;

describe.each(Object.keys(PROXIES) as (keyof typeof PROXIES)[])(
  '%s in front of production',
  (kind) => {
    let dir: string;
    let h: Harness;
    let proxy: Proxy | undefined;
    let tls: ReturnType<typeof throwawayCertificate>;
    let baseUrl: string;
    let httpUrl: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `gconnect-${kind}-`));
      tls = throwawayCertificate(dir);
      const sockets = await bindSockets();
      baseUrl = `https://localhost:${sockets.https.port}`;
      httpUrl = `http://127.0.0.1:${sockets.http.port}`;
      // The production configuration as the operator writes it for this proxy.
      const config = loadConfig({
        NODE_ENV: 'production',
        SESSION_SECRET: 'tls-proxy-secret-0123456789abcdef-0123',
        TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 5).toString('base64')}`,
        TRUST_PROXY: 'loopback',
        BASE_URL: baseUrl,
        GOOGLE_CLIENT_ID: CLIENT.clientId,
        GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
      });
      h = await startHarness({
        app: {
          production: config.production,
          sessionSecrets: config.sessionSecrets ?? [],
          session: config.session,
          trustProxy: config.trustProxy,
          baseUrl: config.baseUrl,
          emulator: false,
        },
      });
      const appPort = new URL(h.url).port;
      proxy =
        kind === 'haproxy'
          ? startHaproxy(sockets, tls, baseUrl, appPort)
          : startNginx(sockets, tls, baseUrl, appPort, dir);
      const started = proxy;
      await waitUntil(
        `${kind} to route to the app`,
        async () => {
          if (started.child.exitCode !== null)
            throw new Error(`${kind} exited: ${started.output()}`);
          const res = await send(`${baseUrl}/readyz`, tls.ca).catch(() => undefined);
          return res?.status === 200;
        },
        { timeoutMs: 20_000 },
      );
    }, 60_000);

    afterAll(async () => {
      const child = proxy?.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The popup flow through the proxy: a state from GET /login, the code posted to /gconnect. */
    async function popupSignIn(headers: Record<string, string> = {}) {
      const login = await send(`${baseUrl}/login`, tls.ca, {
        headers: { Accept: 'application/json', ...headers },
      });
      expect(login.status, login.text).toBe(200);
      const jar = cookiesOf(login);
      const { state } = JSON.parse(login.text) as { state: string };
      const code = h.emulator.issueCode({ account: ALICE, clientId: CLIENT.clientId });
      const welcome = await send(`${baseUrl}/gconnect?state=${encodeURIComponent(state)}`, tls.ca, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/octet-stream',
          Origin: baseUrl,
          Cookie: cookieHeader(jar),
          ...headers,
        },
        body: code,
      });
      return { welcome, jar: cookiesOf(welcome, jar) };
    }

    it(`when a person signs in over HTTPS through ${PROXIES[kind]}, then the cookie is __Host-sid; Secure and /me answers them`, async () => {
      const { welcome, jar } = await popupSignIn();
      expect(welcome.status, welcome.text).toBe(200);
      const cookie = sessionCookie(welcome);
      expect(cookie).toBeDefined();
      expect(cookie!.split(';').map((a) => a.trim().toLowerCase())).toContain('secure');
      // HSTS on every HTTPS answer, once (two headers would arrive joined by a comma).
      expect(welcome.headers['strict-transport-security']).toBe(HSTS);

      const me = await send(`${baseUrl}/me`, tls.ca, {
        headers: { Accept: 'application/json', Cookie: cookieHeader(jar) },
      });
      expect(me.status, me.text).toBe(200);
      expect((JSON.parse(me.text) as { email: string }).email).toBe(ALICE);
    });

    it('when a person signs in with the redirect flow, then Google is given the https callback and the sign-in completes', async () => {
      const start = await send(`${baseUrl}/auth/google`, tls.ca, {
        headers: { Accept: 'text/html' },
      });
      expect(start.status, start.text).toBe(302);
      const jar = cookiesOf(start);
      const q = new URL(String(start.headers.location)).searchParams;
      expect(q.get('redirect_uri')).toBe(`${baseUrl}/auth/google/callback`);
      // The code Google's consent gives, bound to that redirect_uri: the app must exchange it with
      // the same one, or the emulator refuses it as Google would.
      const code = h.emulator.issueCode({
        account: ALICE,
        clientId: CLIENT.clientId,
        redirectUri: q.get('redirect_uri') ?? '',
        nonce: q.get('nonce') ?? '',
        codeChallenge: q.get('code_challenge') ?? '',
        codeChallengeMethod: 'S256',
      });
      const callback = await send(
        `${baseUrl}/auth/google/callback?code=${encodeURIComponent(code)}&state=${q.get('state')}`,
        tls.ca,
        { headers: { Accept: 'text/html', Cookie: cookieHeader(jar) } },
      );
      expect(callback.status, callback.text).toBeLessThan(400);
      expect(sessionCookie(callback)).toBeDefined();
      const me = await send(`${baseUrl}/me`, tls.ca, {
        headers: { Accept: 'application/json', Cookie: cookieHeader(cookiesOf(callback, jar)) },
      });
      expect((JSON.parse(me.text) as { email: string }).email).toBe(ALICE);
    });

    it('when a body is far above the largest the app accepts, then the proxy refuses it with 413 and the app never sees it', async () => {
      const body = 'x'.repeat(20_000);
      const res = await send(`${baseUrl}/gconnect?state=whatever`, tls.ca, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '20000' },
        body,
      });
      expect(res.status).toBe(413);
      expect(res.headers['strict-transport-security']).toBe(HSTS);
      // The app logs every request it answers; a 413 of its own would be there.
      expect(h.logs.filter((l) => l.includes('"statusCode":413'))).toEqual([]);
    });

    it('when a request comes over plain HTTP, then it is redirected to the same path on the https origin', async () => {
      const res = await send(`${httpUrl}/account?tab=sessions`, tls.ca);
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe(`${baseUrl}/account?tab=sessions`);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it("when a client forges X-Forwarded-For, then the app sees the client's real address, from the proxy", async () => {
      const { jar } = await popupSignIn({ 'X-Forwarded-For': FORGED_ADDRESS });
      const sessions = await send(`${baseUrl}/account/sessions`, tls.ca, {
        headers: {
          Accept: 'application/json',
          Cookie: cookieHeader(jar),
          'X-Forwarded-For': FORGED_ADDRESS,
        },
      });
      expect(sessions.status, sessions.text).toBe(200);
      const current = (JSON.parse(sessions.text) as { current: boolean; address: string }[]).find(
        (s) => s.current,
      );
      // Not the proxy's 127.0.0.0/24 (no header), not the forged network (appended, not replaced).
      expect(current?.address).toBe(CLIENT_NETWORK);
    });
  },
);
