/**
 * A conventional peer (issue 23): Passport's redirect flow, passport-google-oauth20 on
 * express-session with an npm SQLite store (better-sqlite3-session-store), its OAuth2 endpoints
 * pointed at the emulator; state and PKCE kept in the session by passport-oauth2. The user is
 * read from SQLite per request (deserializeUser) for GET /me and GET /. Passport checks the
 * state and exchanges the code, then reads userinfo: no ID token, nonce or tokeninfo check.
 * Environment: GOOGLE_EMULATOR_URL, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, PEER_DATA_DIR.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type Request } from 'express';
import passport from 'passport';
import { Strategy as GoogleStrategy } from 'passport-google-oauth20';
import { serveParent } from './ipc.js';
import { openPeerUsers, peerSession, sendHome, sendProfile, type PeerUser } from './peer-users.js';

const google = process.env.GOOGLE_EMULATOR_URL ?? 'http://127.0.0.1:4000';
const users = openPeerUsers(join(process.env.PEER_DATA_DIR ?? '.', 'peer.db'));

const strategy = new GoogleStrategy(
  {
    clientID: process.env.GOOGLE_CLIENT_ID ?? '',
    clientSecret: process.env.GOOGLE_CLIENT_SECRET ?? '',
    callbackURL: '/auth/google/callback',
    authorizationURL: `${google}/o/oauth2/v2/auth`,
    tokenURL: `${google}/token`,
    userProfileURL: `${google}/oauth2/v3/userinfo`,
    scope: ['openid', 'email', 'profile'],
    state: true,
    pkce: true,
  },
  (_accessToken, _refreshToken, profile, done) => {
    try {
      const id = users.upsert({
        sub: profile.id,
        email: profile.emails?.[0]?.value,
        name: profile.displayName,
        picture: profile.photos?.[0]?.value,
        emailVerified: profile.emails?.[0]?.verified === true,
      });
      done(null, { id });
    } catch (err) {
      done(err as Error);
    }
  },
);
// The `oauth` module under passport-oauth2 has no deadline option: a Passport app as written
// from its guides has none. Here it only ever calls the local emulator.
passport.use(strategy);
passport.serializeUser((user, done) => done(null, (user as { id: number }).id));
passport.deserializeUser((id: number, done) => done(null, users.byId(id) ?? false));

const app = express();
app.use(peerSession(users.db));
app.use(passport.session());

app.get('/auth/google', passport.authenticate('google'));
app.get(
  '/auth/google/callback',
  passport.authenticate('google', { failureRedirect: '/login' }),
  (_req, res) => res.redirect('/'),
);
/** What deserializeUser put on the request (read from SQLite for this request). */
const userOf = (req: Request) => (req as Request & { user?: PeerUser }).user;
app.get('/me', (req, res) => {
  const user = userOf(req);
  if (!user) res.status(401).json('Not signed in.');
  else sendProfile(res, user);
});
app.get('/', (req, res) => {
  const user = userOf(req);
  if (!user) res.status(401).send('Not signed in.');
  else sendHome(res, user);
});

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;
serveParent({}, { url: `http://127.0.0.1:${port}` });
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
