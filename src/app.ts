import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import express, { type Express } from 'express';
import flash from 'connect-flash';
import type session from 'express-session';
import type { Logger } from 'pino';
import type { GoogleClient } from './google/google-client.js';
import { parseCodeBody } from './http/code-body.js';
import { refuseCrossSite } from './http/cross-origin.js';
import { errorHandler, formPostsAreApiCalls, notFound } from './http/error-handler.js';
import { requestLogger } from './http/logger.js';
import {
  countFailedSignIns,
  createFixedWindowLimiter,
  rateLimit,
  refuseAfterFailedSignIns,
} from './http/rate-limit.js';
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
import type { TableSessionStore, UserSessions } from './storage/session-store.js';
import type { SecurityLog } from './storage/security-log.js';
import { gconnect } from './routes/gconnect.js';
import {
  CREDENTIAL_PATH,
  isCredentialFormPost,
  signInWithCredential,
} from './routes/credential.js';
import { healthz, readyz, type Readiness } from './routes/health.js';
import { httpUrl } from './http/safe-url.js';
import { homePage, loginPage, SIGN_IN_FAILED_PATH, signInFailedPage } from './routes/pages.js';
import {
  CALLBACK_PATH,
  finishRedirectSignIn,
  startRedirectSignIn,
} from './routes/redirect-flow.js';
import type { AllowedAccounts } from './signin/allowed-accounts.js';
import { deriveNonceKeys } from './signin/nonce.js';
import './signin/session-data.js';
import { STATE_TTL_MS } from './signin/state.js';
import { readSecurityEventToken, riscReceiver } from './routes/risc.js';
import { createSecurityEventVerifier } from './risc/verify-security-event.js';
import type { AccountSecurityStore, SecurityEventLedger } from './storage/account-security.js';
import type { FailedSignInCounter } from './storage/failed-sign-ins.js';
import type { StateLedger } from './storage/state-ledger.js';
import type { UserStore } from './storage/user-store.js';

export interface AppConfig {
  production: boolean;
  sessionSecrets: string[];
  session: { idleTimeoutMs: number; absoluteTimeoutMs: number };
  trustProxy: boolean | number | string | undefined;
  /** The public origin; undefined: each request's own scheme and Host. */
  baseUrl?: string | undefined;
  /** True when Google is the emulator: pages say so. */
  emulator: boolean;
  /** Failed sign-in attempts per client address and minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Deadline of each call to Google (here: Cross-Account Protection's keys). */
  googleTimeoutMs: number;
  /** Who may sign in; both lists empty means any Google account. */
  allowedAccounts: AllowedAccounts;
  /** Extra Google scopes beyond `openid email profile` (GOOGLE_SCOPES); default none. */
  googleScopes?: string[];
  /** Concurrent sessions per user; the oldest end at sign-in beyond it (MAX_SESSIONS_PER_USER). */
  maxSessionsPerUser?: number;
  /** How recent a sign-in must be to end sessions (ACCOUNT_REAUTH_MINUTES, in ms). */
  accountReauthMs?: number;
  /** The Google button's and One Tap's options on the sign-in page. */
  gsi: GsiPageOptions;
}

export interface GsiPageOptions {
  /** 'popup': the credential goes to the page's callback; 'redirect': Google posts it to us. */
  uxMode: 'popup' | 'redirect';
  /** Show the One Tap prompt (ONE_TAP). */
  oneTap: boolean;
  /** Let One Tap sign a returning user in without a click (ONE_TAP_AUTO_SELECT). */
  autoSelect: boolean;
}

export interface AppDeps {
  config: AppConfig;
  users: UserStore;
  sessionStore: session.Store & UserSessions & Pick<TableSessionStore, 'sessionsRevokedAt'>;
  ledger: StateLedger;
  failedSignIns: FailedSignInCounter;
  /** Cross-Account Protection: per-user signals and the security events already handled. */
  accountSecurity: AccountSecurityStore;
  securityEvents: SecurityEventLedger;
  /** The users' security logs (sign-ins, sign-outs, sessions ended, Google's events). */
  securityLog: SecurityLog;
  google: GoogleClient;
  /** The users' Google grants: tokens kept encrypted, googleAccessToken for the app's own calls. */
  grants: GoogleGrants;
  logger: Logger;
  now?: () => number;
  /** What /readyz reports; by default never draining and ready while the users table answers. */
  readiness?: Readiness;
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
    accountSecurity: deps.accountSecurity,
    ledger: deps.ledger,
    grants,
    scopes: config.googleScopes ?? [],
    sessions: deps.sessionStore,
    maxSessionsPerUser: config.maxSessionsPerUser ?? 20,
    securityLog: deps.securityLog,
    now,
  };
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS);
  app.set('view engine', 'ejs');
  app.set('view cache', true); // compile each template once, not per request
  // Views include partials by absolute path under this root ('/partials/head'): EJS resolves a
  // relative include by asking the disk whether the file exists, on every render.
  app.engine('ejs', (path, data, done) => {
    ejs.renderFile(path, data, { root: VIEWS, cache: true }, done);
  });
  app.locals.httpUrl = httpUrl;
  app.locals.emulator = config.emulator; // every page, error pages too, shows the banner

  const cookie = sessionCookie(config.production);
  // The button's and One Tap's nonces are MACed with a key every instance derives alike.
  const nonceKeys = deriveNonceKeys(config.sessionSecrets);
  const pageDeps = {
    users,
    google,
    now,
    emulator: config.emulator,
    nonceKeys,
    gsi: config.gsi,
    allowedDomains: config.allowedAccounts.domains,
  };
  const accountDeps = { google, users, logger, cookie, grants, securityLog: deps.securityLog, now };
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
  // Google's security events: no session, no cookie; the token's signature is the authentication.
  app.post(
    '/risc',
    rateLimit(createFixedWindowLimiter({ limit: 600, windowMs: 60_000, now })),
    readSecurityEventToken,
    riscReceiver({
      verify: createSecurityEventVerifier({
        discoveryUrl: google.endpoints.riscDiscovery,
        audience: google.clientId,
        timeoutMs: config.googleTimeoutMs,
        now,
      }),
      accounts: deps.accountSecurity,
      grants,
      securityLog: deps.securityLog,
      ledger: deps.securityEvents,
      logger,
      now,
    }),
  );
  app.get(
    '/readyz',
    readyz(deps.readiness ?? { isDraining: () => false, checkDatabase: () => users.ping() }),
  );
  // Browsers ask for /favicon.ico whatever the page links; answer with the SVG, not a 404.
  app.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'));
  // Marked before the checks below, so their refusals of /gconnect are JSON too.
  app.use('/gconnect', formPostsAreApiCalls);
  // Google's login_uri POST comes from Google's origin; it is held to the double-submit check.
  app.use(refuseCrossSite(config.baseUrl, { exempt: isCredentialFormPost }));
  const signInPaths = ['/gconnect', CALLBACK_PATH, CREDENTIAL_PATH];
  const signInLimit = {
    limit: config.rateLimitPerMinute,
    counter: deps.failedSignIns,
    now,
    logger,
  };
  if (config.rateLimitPerMinute > 0) {
    // Per client, before the session store and Google are touched: each attempt costs a code
    // exchange and three more Google calls.
    app.use(signInPaths, refuseAfterFailedSignIns(signInLimit));
  }
  app.use(
    sessionMiddleware({
      store: deps.sessionStore,
      secrets: config.sessionSecrets,
      production: config.production,
      ...config.session,
      anonymousMaxAgeMs: STATE_TTL_MS,
      now,
      isRevoked: async (userId, signedInAt, req) => {
        // Read with the session row when the store did; never cached beyond this request.
        const known = deps.sessionStore.sessionsRevokedAt(req);
        const revokedAt =
          known !== undefined ? known : (await deps.accountSecurity.get(userId))?.sessionsRevokedAt;
        return revokedAt != null && signedInAt <= revokedAt;
      },
    }),
  );
  app.use(flash());

  app.get('/', homePage(pageDeps));
  app.get('/login', allowPopups, loginPage({ ...pageDeps, scopes: config.googleScopes }));
  app.get(SIGN_IN_FAILED_PATH, signInFailedPage(config.allowedAccounts.domains));
  app.post('/gconnect', parseCodeBody(), gconnect(signInDeps));
  // The same sign-in without JavaScript or popups: a redirect to Google and back.
  const redirectDeps = { ...signInDeps, baseUrl: config.baseUrl };
  app.get('/auth/google', startRedirectSignIn(redirectDeps));
  app.get(CALLBACK_PATH, finishRedirectSignIn(redirectDeps));
  // The Google button and One Tap: an ID token (Google's form, or JSON from our page).
  app.post(
    CREDENTIAL_PATH,
    express.urlencoded({ extended: false, limit: '4kb' }),
    express.json({ limit: '4kb' }),
    signInWithCredential({ ...signInDeps, nonceKeys }),
  );
  app.post(
    '/gdisconnect',
    express.urlencoded({ extended: false, limit: '1kb' }),
    gdisconnect(accountDeps),
  );
  app.post('/logout', logout(accountDeps));
  app.get('/me', me(accountDeps));
  const sessionsDeps = { sessions: deps.sessionStore, cookie, securityLog: deps.securityLog, now };
  const reauthMs = config.accountReauthMs ?? 10 * 60_000;
  const recentSignIn = requireRecentSignIn(reauthMs, now);
  app.get(
    '/account',
    signedIn,
    accountPage({
      grants,
      google,
      sessions: deps.sessionStore,
      securityLog: deps.securityLog,
      reauthMs,
      now,
    }),
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
    app.use(signInPaths, countFailedSignIns(signInLimit));
  }

  app.use(notFound);
  app.use(
    errorHandler(logger, {
      allowedDomains: config.allowedAccounts.domains,
      // A failed callback must not leave Google's code and our state in the address bar.
      cleanFailurePages: { [CALLBACK_PATH]: SIGN_IN_FAILED_PATH },
    }),
  );
  return app;
}
