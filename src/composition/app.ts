import ejs from 'ejs';
import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import flash from 'connect-flash';
import type session from 'express-session';
import type { Logger } from 'pino';
import type { PageChrome } from '../config/extras.js';
import type { GoogleClient } from '../google/google-client.js';
import type { GoogleGrants } from '../grants/google-grants.js';
import { refuseCrossSite } from '../http/cross-origin.js';
import { errorHandler, formPostsAreApiCalls } from '../http/error-handler.js';
import { requestLogger } from '../http/logger.js';
import { countFailedSignIns, refuseAfterFailedSignIns } from '../http/rate-limit.js';
import { httpUrl } from '../http/safe-url.js';
import { pageLocale } from '../http/page-words.js';
import { takeNotice } from '../http/page-notice.js';
import { currentUser } from '../http/page-state.js';
import { packagePath } from '../core/package-root.js';
import { securityHeaders } from '../http/security-headers.js';
import { sessionCookie, sessionMiddleware } from '../http/session/session.js';
import { isStaticFile, staticFiles } from '../http/static-files.js';
import { accountRouter } from '../routes/account/router.js';
import { operationsRouter } from '../routes/operations/router.js';
import { pagesRouter } from '../routes/pages/router.js';
import { SIGN_IN_PATHS, signInRouter } from '../routes/sign-in/router.js';
import { isCredentialFormPost } from '../routes/sign-in/credential.js';
import type { Readiness } from '../routes/operations/health.js';
import { SIGN_IN_FAILED_PATH } from '../routes/pages/pages.js';
import { CALLBACK_PATH } from '../routes/sign-in/redirect-flow.js';
import { hostedDomainHint, type AllowedAccounts } from '../signin/allowed-accounts.js';
import { deriveNonceKeys } from '../signin/nonce.js';
import { nonceBindingCookie } from '../http/nonce-binding-cookie.js';
import '../http/session/session-data.js';
import { STATE_TTL_MS } from '../signin/state.js';
import type { AccountSecurityStore, SecurityEventLedger } from '../storage/account-security.js';
import type { FailedSignInCounter } from '../storage/failed-sign-ins.js';
import type { SecurityLog } from '../storage/security-log.js';
import type { SignInWrites } from '../storage/sign-in-writes.js';
import type { TableSessionStore } from '../http/session/table-session-store.js';
import type { UserSessions } from '../http/session/user-sessions.js';
import type { StateLedger } from '../storage/state-ledger.js';
import type { UserStore } from '../storage/user-store.js';

export interface AppConfig {
  production: boolean;
  sessionSecrets: string[];
  session: { idleTimeoutMs: number; absoluteTimeoutMs: number };
  trustProxy: boolean | number | string | undefined;
  /** The public origin; undefined (refused in production): each request's own scheme and Host. */
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
  /** The app's Android and iOS client IDs (GOOGLE_NATIVE_CLIENT_IDS); default none. */
  googleNativeClientIds?: string[];
  /** Named features asked for in context (GOOGLE_FEATURES); default none. */
  googleFeatures?: Record<string, string[]>;
  /** Concurrent sessions per user; the oldest end at sign-in beyond it (maxSessionsPerUser). */
  maxSessionsPerUser: number;
  /** How recent a sign-in must be to end sessions (accountReauthMinutes, in ms). */
  accountReauthMs: number;
  /** The Google button's and One Tap's options on the sign-in page. */
  gsi: GsiPageOptions;
  /** The pages' header: the app's name and its links. */
  page?: PageChrome;
  /** A folder of views searched before gconnect's own (a host's overrides). */
  views?: string | undefined;
  /** Security headers and access log lines on gconnect's own paths only, or on every path. */
  headersAndLogs?: 'own-paths' | 'every-path';
}

export interface GsiPageOptions {
  /** 'popup': the credential goes to the page's callback; 'redirect': Google posts it to us. */
  uxMode: 'popup' | 'redirect';
  /** Show Google's own button beside the primary one (GSI_BUTTON); off by default. */
  googleButton?: boolean;
  /** Show the One Tap prompt (ONE_TAP). */
  oneTap: boolean;
  /** Let One Tap sign a returning user in without a click (ONE_TAP_AUTO_SELECT). */
  autoSelect: boolean;
}

export interface AppDeps {
  config: AppConfig;
  users: UserStore;
  sessionStore: session.Store &
    UserSessions &
    Pick<TableSessionStore, 'sessionsRevokedAt' | 'newSessionRow'>;
  ledger: StateLedger;
  failedSignIns: FailedSignInCounter;
  /** Cross-Account Protection: per-user signals and the security events already handled. */
  accountSecurity: AccountSecurityStore;
  securityEvents: SecurityEventLedger;
  /** The users' security logs (sign-ins, sign-outs, sessions ended, Google's events). */
  securityLog: SecurityLog;
  /** A sign-in's writes (user, grant, sessions, security log), all in one transaction. */
  signInWrites: SignInWrites;
  google: GoogleClient;
  /** The users' Google grants: tokens kept encrypted, googleAccessToken for the app's own calls. */
  grants: GoogleGrants;
  logger: Logger;
  now?: () => number;
  /** What /readyz reports; by default never draining and ready while the users table answers. */
  readiness?: Readiness;
}

/**
 * Production never takes the callback URL or the same-site rule from request headers (Host,
 * or X-Forwarded-Host under TRUST_PROXY), which any client reaching the app can set; loadConfig
 * refuses production without BASE_URL, and so does an app built without loadConfig.
 */
function requireBaseUrlInProduction(config: AppConfig): void {
  if (config.production && config.baseUrl === undefined) {
    throw new Error('createApp: production needs baseUrl (BASE_URL), the public origin');
  }
}

const VIEWS = packagePath('views');
const PUBLIC = packagePath('public');

/**
 * Builds gconnect's router: an Express sub-app, so that it renders its own views with its own
 * settings whatever the host's are, while settings it leaves unset (`trust proxy`) are the
 * host's (Express's sub-app inheritance on `app.use`). It answers only its own paths; every
 * other request goes on to the host with a session. It neither reads the environment nor listens.
 */
export function createApp(deps: AppDeps): Express {
  const { config, google, users, logger, grants, securityLog } = deps;
  requireBaseUrlInProduction(config);
  const now = deps.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  const views = config.views === undefined ? [VIEWS] : [config.views, VIEWS];
  app.set('views', views);
  app.set('view engine', 'ejs');
  app.set('view cache', true); // compile each template once, not per request
  // Views include partials by absolute path under these roots ('/partials/head'): EJS resolves a
  // relative include by asking the disk whether the file exists, on every render.
  // A host's override folder first: EJS then asks the disk which root holds each partial.
  const root = config.views === undefined ? VIEWS : views;
  app.engine('ejs', (path, data, done) => {
    ejs.renderFile(path, data, { root, cache: true }, done);
  });
  app.locals.httpUrl = httpUrl;
  app.locals.emulator = config.emulator; // every page, error pages too, shows the banner
  app.locals.chrome = config.page ?? DEFAULT_CHROME;
  const everyPath = config.headersAndLogs === 'every-path';

  const cookie = sessionCookie(config.production);
  // The button's and One Tap's nonces are MACed with a key every instance derives alike.
  const nonceKeys = deriveNonceKeys(config.sessionSecrets);
  const nonceBinding = nonceBindingCookie(config.production);
  const signInLimit = {
    limit: config.rateLimitPerMinute,
    counter: deps.failedSignIns,
    now,
    logger,
  };
  const limitSignIns = config.rateLimitPerMinute > 0;

  app.use(
    requestLogger(logger, {
      skip: (res) => !everyPath && leftToHost(res),
      // Development: a page's stylesheet and pictures at debug, so `npm run dev`'s banner stays
      // on screen. Production logs as it always has: one info line per request, files included.
      ...(config.production ? {} : { quiet: isStaticFile }),
    }),
  );
  const headers = securityHeaders({
    gsiClientUrl: google.endpoints.gsiClient,
    production: config.production,
  });
  app.use(headers);
  app.use(staticFiles(PUBLIC, { maxAge: config.production ? '1h' : 0 }));
  app.use(
    operationsRouter({
      users,
      readiness: deps.readiness ?? { isDraining: () => false, checkDatabase: () => users.ping() },
      risc: {
        discoveryUrl: google.endpoints.riscDiscovery,
        audience: google.clientId,
        timeoutMs: config.googleTimeoutMs,
      },
      accounts: deps.accountSecurity,
      grants,
      securityLog,
      ledger: deps.securityEvents,
      logger,
      now,
    }),
  );

  // Marked before the checks below, so their refusals of /gconnect are JSON too.
  app.use('/gconnect', formPostsAreApiCalls);
  // Google's login_uri POST comes from Google's origin; it is held to the double-submit check.
  app.use(refuseCrossSite(config.baseUrl, { exempt: isCredentialFormPost }));
  // Per client, before the session store and Google are touched: each attempt costs a code
  // exchange and three more Google calls.
  if (limitSignIns) app.use(SIGN_IN_PATHS, refuseAfterFailedSignIns(signInLimit));
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
  app.use(pageViewer(users));

  app.use(
    pagesRouter({
      users,
      google,
      now,
      emulator: config.emulator,
      nonceKeys,
      nonceBinding,
      gsi: config.gsi,
      allowedDomains: config.allowedAccounts.domains,
      hostedDomain: hostedDomainHint(config.allowedAccounts),
      scopes: config.googleScopes,
    }),
  );
  app.use(
    signInRouter({
      google,
      users,
      allowedAccounts: config.allowedAccounts,
      accountSecurity: deps.accountSecurity,
      ledger: deps.ledger,
      grants,
      scopes: config.googleScopes ?? [],
      features: config.googleFeatures ?? {},
      sessions: deps.sessionStore,
      maxSessionsPerUser: config.maxSessionsPerUser,
      signInWrites: deps.signInWrites,
      now,
      baseUrl: config.baseUrl,
      nonceKeys,
      nonceBinding,
      nativeClientIds: config.googleNativeClientIds ?? [],
      logger,
    }),
  );
  app.use(
    accountRouter({
      google,
      users,
      logger,
      cookie,
      grants,
      sessions: deps.sessionStore,
      securityLog,
      reauthMs: config.accountReauthMs,
      features: config.googleFeatures ?? {},
      now,
    }),
  );

  if (limitSignIns) app.use(SIGN_IN_PATHS, countFailedSignIns(signInLimit));
  // Not one of ours: the host's, with the session set up, without our headers (unless asked).
  const leaveToHost = (res: Response) => {
    res.locals.gconnectLeftToHost = true;
    if (!everyPath) headers.undo(res);
  };
  app.use((_req: Request, res: Response, next: NextFunction) => {
    leaveToHost(res);
    next();
  });
  const own = ownPaths(app);
  const answerError = errorHandler(logger, {
    allowedDomains: config.allowedAccounts.domains,
    // A failed callback must not leave Google's code and our state in the address bar.
    cleanFailurePages: { [CALLBACK_PATH]: SIGN_IN_FAILED_PATH },
  });
  // Only errors of gconnect's own paths are answered here; the host's go to the host's handler.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (own(req.path)) {
      answerError(err, req, res, next);
      return;
    }
    leaveToHost(res);
    next(err);
  });
  return app;
}

/**
 * The header's signed-in person, for the pages a browser navigates to (one user read per page
 * view); API calls are not slowed by it.
 */
function pageViewer(users: UserStore): RequestHandler {
  return async (req, res, next) => {
    const page =
      (req.method === 'GET' || req.method === 'HEAD') && req.accepts(['html', 'json']) === 'html';
    if (page) {
      const user = await currentUser(req, users);
      if (user) res.locals.viewer = { name: user.name, email: user.email, picture: user.picture };
    }
    if (page) res.locals.notice = takeNotice(req, res);
    // The header's own locale, for <html lang> and public/local-time.js.
    res.locals.locale = pageLocale(req);
    next();
  };
}

const DEFAULT_CHROME: PageChrome = { appName: 'gconnect', links: [] };

function leftToHost(res: Response): boolean {
  return res.locals.gconnectLeftToHost === true;
}

/**
 * A test of whether a path is one of the router's routes, read from the routers' stacks once
 * (their paths are whole: they are mounted without a path; `:id` matches one segment).
 */
function ownPaths(app: Express): (path: string) => boolean {
  interface Layer {
    route?: { path: string | string[] };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap(({ route, handle }) => {
      if (handle?.stack) return walk(handle.stack);
      return route ? ([] as string[]).concat(route.path) : [];
    });
  const paths = walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  const patterns = paths.map(
    (p) =>
      new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`, 'i'),
  );
  return (path) => patterns.some((re) => re.test(path));
}
