/**
 * The limit: the cheapest server that still does a sign-in's unavoidable work. A bare node:http
 * server with in-memory state: GET /login makes a state bound to a cookie; POST /gconnect checks
 * and consumes it, exchanges the code once, calls tokeninfo and userinfo in parallel over
 * keep-alive, and answers the greeting. No framework, no database, no ID token check, no logging.
 * A signed-in session (a new sid) then answers GET /me (the profile as JSON) and GET / (a small
 * page) from memory: the limit of a signed-in page view.
 * The app's throughput is reported as a fraction of this one's, measured in the same run.
 * Environment: GOOGLE_EMULATOR_URL, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from './ipc.js';

const google = new URL(process.env.GOOGLE_EMULATOR_URL ?? 'http://127.0.0.1:4000');
const clientId = process.env.GOOGLE_CLIENT_ID ?? '';
const clientSecret = process.env.GOOGLE_CLIENT_SECRET ?? '';
// With a timeout of its own the agent applies the emulator's `Keep-Alive: timeout=5` hint and
// closes idle sockets a second early (as the app's agent does, src/google/configuration.ts);
// without one, a call after a pause of over 5 s (the other targets' turns in a round) could go
// out on a socket the emulator is just closing: ECONNRESET, a failed sign-in.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 });
const STATE_TTL_MS = 10 * 60 * 1000;
/** sid → pending state; entries leave on use (the load client always uses them). */
const states = new Map<string, { value: string; createdAt: number }>();
/** Signed-in sid → the /me JSON, kept for the process's life (a benchmark signs in few times). */
const signedIn = new Map<string, { json: string; name: string }>();

interface GoogleReply {
  status: number;
  json: Record<string, unknown>;
}

function callGoogle(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<GoogleReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: google.hostname, port: google.port, method, path, headers, agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              json: JSON.parse(text) as Record<string, unknown>,
            });
          } catch (err) {
            reject(new Error(`${method} ${path}: the answer is not JSON`, { cause: err }));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const refuse = (res: ServerResponse, status: number, message: string) =>
  reply(res, status, 'application/json', JSON.stringify(message));

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function login(res: ServerResponse): void {
  const sid = randomBytes(24).toString('base64url');
  const value = randomBytes(32).toString('base64url');
  states.set(sid, { value, createdAt: Date.now() });
  res.setHeader('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
  reply(res, 200, 'application/json', JSON.stringify({ state: value }));
}

async function gconnect(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const sid = sessionOf(req);
  const pending = sid === undefined ? undefined : states.get(sid);
  if (sid !== undefined) states.delete(sid);
  let code = '';
  for await (const chunk of req) code += String(chunk);
  if (
    !pending ||
    pending.value !== url.searchParams.get('state') ||
    Date.now() - pending.createdAt > STATE_TTL_MS
  ) {
    return refuse(res, 401, 'Invalid state parameter.');
  }
  const form = new URLSearchParams({
    code: code.trim(),
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uri: 'postmessage',
    grant_type: 'authorization_code',
  }).toString();
  const token = await callGoogle(
    'POST',
    '/token',
    { 'content-type': 'application/x-www-form-urlencoded' },
    form,
  );
  if (token.status !== 200) return refuse(res, 401, 'Failed to upgrade the authorization code.');
  const bearer = { authorization: `Bearer ${String(token.json.access_token)}` };
  const [info, user] = await Promise.all([
    callGoogle('POST', '/tokeninfo', bearer),
    callGoogle('GET', '/oauth2/v3/userinfo', bearer),
  ]);
  if (info.status !== 200 || user.status !== 200 || info.json.sub !== user.json.sub) {
    return refuse(res, 401, 'Invalid ID token.');
  }
  const name = escapeHtml(typeof user.json.name === 'string' ? user.json.name : '');
  const picture = escapeHtml(typeof user.json.picture === 'string' ? user.json.picture : '');
  const session = randomBytes(24).toString('base64url');
  signedIn.set(session, {
    name,
    json: JSON.stringify({
      id: signedIn.size + 1,
      email: user.json.email,
      name: user.json.name,
      picture: user.json.picture,
      emailVerified: user.json.email_verified,
    }),
  });
  res.setHeader('set-cookie', `sid=${session}; Path=/; HttpOnly; SameSite=Lax`);
  reply(
    res,
    200,
    'text/html; charset=utf-8',
    `<h1>Welcome, ${name}!</h1><img src="${picture}" alt="" width="150" height="150">`,
  );
}

function sessionOf(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
}

/** GET /me and GET /: the signed-in profile from memory, as JSON or as a minimal page. */
function pageView(req: IncomingMessage, res: ServerResponse, path: string): void {
  const sid = sessionOf(req);
  const profile = sid === undefined ? undefined : signedIn.get(sid);
  if (profile === undefined) return refuse(res, 401, 'Not signed in.');
  if (path === '/me') return reply(res, 200, 'application/json', profile.json);
  reply(
    res,
    200,
    'text/html; charset=utf-8',
    `<h1>Welcome back, ${profile.name}</h1><form method="post" action="/logout"></form>`,
  );
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://limit.invalid');
  if (req.method === 'GET' && (url.pathname === '/me' || url.pathname === '/')) {
    return pageView(req, res, url.pathname);
  }
  if (req.method === 'GET' && url.pathname === '/login') return login(res);
  if (req.method === 'POST' && url.pathname === '/gconnect') {
    return void gconnect(req, res, url).catch(() => refuse(res, 502, 'Google failed.'));
  }
  refuse(res, 404, 'Not found.');
});
server.keepAliveTimeout = 5000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
serveParent({}, { url: `http://127.0.0.1:${port}` });
process.once('SIGTERM', () => {
  agent.destroy();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
