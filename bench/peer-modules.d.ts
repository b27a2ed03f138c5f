// The few types the conventional peers (session-peer.ts, passport-peer.ts) use of untyped
// packages. Not @types/passport: it augments Express's Request and Locals globally, and the
// bench is type-checked together with src/ (tsconfig.json).
declare module 'better-sqlite3-session-store' {
  import type session from 'express-session';
  import type Database from 'better-sqlite3';
  type SqliteStore = new (options: {
    client: Database.Database;
    expired?: { clear?: boolean; intervalMs?: number };
  }) => session.Store;
  export default function factory(s: typeof session): SqliteStore;
}

declare module 'passport' {
  import type { RequestHandler } from 'express';
  interface Passport {
    use(strategy: unknown): Passport;
    serializeUser(fn: (user: unknown, done: (err: unknown, id?: unknown) => void) => void): void;
    deserializeUser(fn: (id: number, done: (err: unknown, user?: unknown) => void) => void): void;
    session(): RequestHandler;
    authenticate(strategy: string, options?: { failureRedirect?: string }): RequestHandler;
  }
  const passport: Passport;
  export default passport;
}

declare module 'passport-google-oauth20' {
  export interface Profile {
    id: string;
    displayName: string;
    emails?: { value: string; verified?: boolean }[];
    photos?: { value: string }[];
  }
  export class Strategy {
    constructor(
      options: Record<string, unknown>,
      verify: (
        accessToken: string,
        refreshToken: string | undefined,
        profile: Profile,
        done: (err: Error | null, user?: unknown) => void,
      ) => void,
    );
  }
}
