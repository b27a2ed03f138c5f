/**
 * What both conventional peers (session-peer.ts, passport-peer.ts) share: a users table in
 * SQLite (better-sqlite3, as the app), read per signed-in request, and the two signed-in pages
 * the load client asks for. Written the way a small Express app would be, not tuned.
 */
import Database from 'better-sqlite3';
import SqliteStoreFactory from 'better-sqlite3-session-store';
import type { RequestHandler, Response } from 'express';
import session from 'express-session';

export interface PeerUser {
  id: number;
  email: string | null;
  name: string | null;
  picture: string | null;
  email_verified: number;
}

export interface PeerProfile {
  sub: string;
  email?: string | undefined;
  name?: string | undefined;
  picture?: string | undefined;
  emailVerified?: boolean | undefined;
}

export function openPeerUsers(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, google_sub TEXT NOT NULL UNIQUE, email TEXT, name TEXT,
    picture TEXT, email_verified INTEGER NOT NULL, last_login_at TEXT NOT NULL)`);
  const upsert = db.prepare<[PeerProfile & { verified: number; now: string }], { id: number }>(
    `INSERT INTO users (google_sub, email, name, picture, email_verified, last_login_at)
     VALUES (@sub, @email, @name, @picture, @verified, @now)
     ON CONFLICT (google_sub) DO UPDATE SET email = excluded.email, name = excluded.name,
       picture = excluded.picture, email_verified = excluded.email_verified,
       last_login_at = excluded.last_login_at
     RETURNING id`,
  );
  const byId = db.prepare<[number], PeerUser>(
    'SELECT id, email, name, picture, email_verified FROM users WHERE id = ?',
  );
  return {
    db,
    upsert(profile: PeerProfile): number {
      const row = upsert.get({
        sub: profile.sub,
        email: profile.email ?? null,
        name: profile.name ?? null,
        picture: profile.picture ?? null,
        verified: profile.emailVerified ? 1 : 0,
        now: new Date().toISOString(),
      } as PeerProfile & { verified: number; now: string });
      if (!row) throw new Error('upsert returned no row');
      return row.id;
    },
    byId: (id: number): PeerUser | undefined => byId.get(id),
  };
}

export function escapeHtml(s: string | null): string {
  return (s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** GET /me: the profile as JSON. */
export function sendProfile(res: Response, user: PeerUser): void {
  res.json({
    id: user.id,
    email: user.email,
    name: user.name,
    picture: user.picture,
    emailVerified: user.email_verified === 1,
  });
}

/** GET /: a small signed-in page with a sign-out form. */
export function sendHome(res: Response, user: PeerUser): void {
  res
    .type('html')
    .send(
      `<!doctype html><title>Home</title><h1>Welcome back, ${escapeHtml(user.name)}</h1>` +
        `<img src="${escapeHtml(user.picture)}" alt="" width="96" height="96">` +
        `<form method="post" action="/logout"><button>Sign out</button></form>`,
    );
}

/** express-session as a small app sets it up: the npm SQLite store on the peer's database. */
export function peerSession(db: Database.Database): RequestHandler {
  const SqliteStore = SqliteStoreFactory(session);
  return session({
    name: 'sid',
    secret: 'bench-peer-secret-0123456789abcdef',
    store: new SqliteStore({ client: db }),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  });
}
