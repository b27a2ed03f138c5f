import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import flash from 'connect-flash';
import type session from 'express-session';
import type { Logger } from 'pino';
import type { GoogleClient } from './google/google-client.js';
import { parseCodeBody } from './http/code-body.js';
import { refuseCrossSite } from './http/cross-origin.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { requestLogger } from './http/logger.js';
import { countFailedSignIns, refuseAfterFailedSignIns } from './http/rate-limit.js';
import { allowPopups, securityHeaders } from './http/security-headers.js';
import { sessionCookie, sessionMiddleware } from './http/session.js';
import { staticFiles } from './http/static-files.js';
import { gdisconnect, logout, me } from './routes/account.js';
import { accountPage, googleConnection } from './routes/account-page.js';
import { deleteAccount } from './routes/delete-account.js';
import { requireSignIn } from './http/require-sign-in.js';
import { requireRecentSignIn } from './http/require-recent-sign-in.js';
import { accountSessions, revokeOtherSessions, revokeSession } from './routes/account-sessions.js';
import type { GoogleGrants } from './grants/google-grants.js';
import type { UserSessions } from './storage/session-store.js';
import { gconnect } from './routes/gconnect.js';
import { healthz } from './routes/health.js';
import { httpUrl } from './http/safe-url.js';
import { homePage, loginPage } from './routes/pages.js';
import {
  CALLBACK_PATH,
  finishRedirectSignIn,
  startRedirectSignIn,
} from './routes/redirect-flow.js';
import type { AllowedAccounts } from './signin/allowed-accounts.js';
import './signin/session-data.js';
import type { FailedSignInCounter } from './storage/failed-sign-ins.js';
import type { StateLedger } from './storage/state-ledger.js';
import type { UserStore } from './storage/user-store.js';

export interface AppConfig {
  production: boolean;
  sessionSecrets: string[];
  session: { idleTimeoutMs: number; absoluteTimeoutMs: number };
  trustProxy: boolean | number | string | undefined;
  /** True when Google is the emulator: pages say so. */
  emulator: boolean;
  /** Failed sign-in attempts per client address and minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Who may sign in; both lists empty means any Google account. */
  allowedAccounts: AllowedAccounts;
  /** Extra Google scopes beyond `openid email profile` (GOOGLE_SCOPES); default none. */
  googleScopes?: string[];
  /** Concurrent sessions per user; the oldest end at sign-in beyond it (MAX_SESSIONS_PER_USER). */
  maxSessionsPerUser?: number;
  /** How recent a sign-in must be to end sessions (ACCOUNT_REAUTH_MINUTES, in ms). */
  accountReauthMs?: number;
}

export interface AppDeps {
  config: AppConfig;
  users: UserStore;
  sessionStore: session.Store & UserSessions;
  ledger: StateLedger;
  failedSignIns: FailedSignInCounter;
  google: GoogleClient;
  /** The users' Google grants: tokens kept encrypted, googleAccessToken for the app's own calls. */
  grants: GoogleGrants;
  logger: Logger;
  now?: () => number;
}

const VIEWS = fileURLToPath(new URL('../views', import.meta.url));
const PUBLIC = fileURLToPath(new URL('../public', import.meta.url));

/** Builds the app from its dependencies; it neither reads the environment nor listens. */
export function createApp(deps: AppDeps): Express {
  const { config, google, users, logger, grants } = deps;
  const now = deps.now ?? Date.now;
  const signInDeps = {
    google,
    users,
    allowedAccounts: config.allowedAccounts,
    ledger: deps.ledger,
    grants,
    scopes: config.googleScopes ?? [],
    sessions: deps.sessionStore,
    maxSessionsPerUser: config.maxSessionsPerUser ?? 20,
    now,
  };
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS);
  app.set('view engine', 'ejs');
  app.set('view cache', true); // compile each template once, not per request
  app.locals.httpUrl = httpUrl;
  app.locals.emulator = config.emulator; // every page, error pages too, shows the banner

  const cookie = sessionCookie(config.production);
  const pageDeps = { users, google, now, emulator: config.emulator };
  const accountDeps = { google, users, logger, cookie, grants };
  const signedIn = requireSignIn(users);
  const form = express.urlencoded({ extended: false, limit: '1kb' });

  app.use(requestLogger(logger));
  app.use(
    securityHeaders({
      googleOrigin: new URL(google.endpoints.gsiClient).origin,
      production: config.production,
    }),
  );
  app.use(staticFiles(PUBLIC, { maxAge: config.production ? '1h' : 0 }));
  app.get('/healthz', healthz(users));
  app.use(refuseCrossSite());
  const signInLimit = {
    limit: config.rateLimitPerMinute,
    counter: deps.failedSignIns,
    now,
    logger,
  };
  if (config.rateLimitPerMinute > 0) {
    // Per client, before the session store and Google are touched: each attempt costs a code
    // exchange and three more Google calls.
    app.use(['/gconnect', CALLBACK_PATH], refuseAfterFailedSignIns(signInLimit));
  }
  app.use(
    sessionMiddleware({
      store: deps.sessionStore,
      secrets: config.sessionSecrets,
      production: config.production,
      ...config.session,
      now,
    }),
  );
  app.use(flash());

  app.get('/', homePage(pageDeps));
  app.get('/login', allowPopups, loginPage({ ...pageDeps, scopes: config.googleScopes }));
  app.post('/gconnect', parseCodeBody(), gconnect(signInDeps));
  // The same sign-in without JavaScript or popups: a redirect to Google and back.
  app.get('/auth/google', startRedirectSignIn(signInDeps));
  app.get(CALLBACK_PATH, finishRedirectSignIn(signInDeps));
  app.post(
    '/gdisconnect',
    express.urlencoded({ extended: false, limit: '1kb' }),
    gdisconnect(accountDeps),
  );
  app.post('/logout', logout(accountDeps));
  app.get('/me', me(accountDeps));
  const sessionsDeps = { sessions: deps.sessionStore, cookie };
  const reauthMs = config.accountReauthMs ?? 10 * 60_000;
  const recentSignIn = requireRecentSignIn(reauthMs, now);
  app.get(
    '/account',
    signedIn,
    accountPage({ grants, google, sessions: deps.sessionStore, reauthMs, now }),
  );
  app.get('/account/sessions', signedIn, accountSessions(sessionsDeps));
  app.post(
    '/account/sessions/revoke-others',
    signedIn,
    recentSignIn,
    revokeOtherSessions(sessionsDeps),
  );
  app.post('/account/sessions/:id/revoke', signedIn, recentSignIn, revokeSession(sessionsDeps));
  app.get('/account/google', signedIn, googleConnection({ grants, google }));
  app.post(
    '/account/delete',
    signedIn,
    form,
    express.json({ limit: '1kb' }),
    deleteAccount({ grants, users, sessions: deps.sessionStore, cookie }),
  );

  if (config.rateLimitPerMinute > 0) {
    app.use(['/gconnect', CALLBACK_PATH], countFailedSignIns(signInLimit));
  }

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
