/**
 * A conventional peer (issue 23): plain Express 5 + express-session with an npm SQLite store
 * (better-sqlite3-session-store), the same popup sign-in as the app's POST /gconnect against the
 * emulator (google-auth-library's code exchange and tokeninfo, fetch for userinfo), and GET /me
 * and GET / reading the user from SQLite per request. No ID token check, no security log, no
 * grant storage: what a small app written from the guides would do.
 * Environment: GOOGLE_EMULATOR_URL, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, PEER_DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type Request } from 'express';
import { OAuth2Client } from 'google-auth-library';
import { serveParent } from './ipc.js';
import { escapeHtml, openPeerUsers, peerSession, sendHome, sendProfile } from './peer-users.js';

const google = process.env.GOOGLE_EMULATOR_URL ?? 'http://127.0.0.1:4000';
const clientId = process.env.GOOGLE_CLIENT_ID ?? '';
const TIMEOUT_MS = 10_000;
const users = openPeerUsers(join(process.env.PEER_DATA_DIR ?? '.', 'peer.db'));
const oauth = new OAuth2Client({
  clientId,
  clientSecret: process.env.GOOGLE_CLIENT_SECRET ?? '',
  redirectUri: 'postmessage',
  endpoints: { oauth2TokenUrl: `${google}/token`, tokenInfoUrl: `${google}/tokeninfo` },
  transporterOptions: { timeout: TIMEOUT_MS },
});

/** This peer's session data (not declared on express-session's SessionData: src/ shares it). */
interface PeerSession {
  state?: string | undefined;
  userId?: number | undefined;
}
const data = (req: Request) => req.session as unknown as PeerSession;

const app = express();
app.use(peerSession(users.db));

app.get('/login', (req, res) => {
  const state = randomBytes(32).toString('base64url');
  data(req).state = state;
  res.json({ state });
});

app.post('/gconnect', express.text({ type: '*/*' }), async (req, res) => {
  const expected = data(req).state;
  delete data(req).state;
  if (!expected || req.query.state !== expected || typeof req.body !== 'string') {
    res.status(401).json('Invalid state parameter.');
    return;
  }
  const { tokens } = await oauth.getToken({ code: req.body.trim() });
  const accessToken = tokens.access_token ?? '';
  const [info, profile] = await Promise.all([
    oauth.getTokenInfo(accessToken),
    userInfo(accessToken),
  ]);
  if (info.aud !== clientId || info.sub !== profile.sub) {
    res.status(401).json('Token not issued to this client.');
    return;
  }
  const id = users.upsert(profile);
  await regenerate(req);
  data(req).userId = id;
  res.send(`<h1>Welcome, ${escapeHtml(profile.name ?? '')}!</h1>`);
});

app.get('/me', (req, res) => {
  const user = signedIn(req);
  if (!user) res.status(401).json('Not signed in.');
  else sendProfile(res, user);
});

app.get('/', (req, res) => {
  const user = signedIn(req);
  if (!user) res.status(401).send('Not signed in.');
  else sendHome(res, user);
});

/** The signed-in user, read from SQLite on every request. */
function signedIn(req: Request) {
  const id = data(req).userId;
  return id === undefined ? undefined : users.byId(id);
}

async function userInfo(accessToken: string) {
  const res = await fetch(`${google}/oauth2/v3/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`userinfo ${res.status}`);
  const body = (await res.json()) as Record<string, unknown>;
  return {
    sub: String(body.sub),
    email: body.email as string | undefined,
    name: body.name as string | undefined,
    picture: body.picture as string | undefined,
    emailVerified: body.email_verified === true,
  };
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err?: Error) => (err ? reject(err) : resolve())),
  );
}

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;
serveParent({}, { url: `http://127.0.0.1:${port}` });
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
