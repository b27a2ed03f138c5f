/**
 * The load client: `concurrency` loops, each doing full sign-ins as a new browser would
 * (no cookie: GET /login as JSON, then POST /gconnect with the state, the session cookie and a
 * fresh code) for a fixed time. node:http with one keep-alive agent, the same for every target.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CodePool } from './code-pool.js';
import { roundRobin } from './round-robin.js';

export interface LoadOptions {
  /** The target's instances: requests go to each in turn (see round-robin.ts). */
  urls: string[];
  concurrency: number;
  /** Run for this long (ms)... */
  durationMs?: number;
  /** ...or until this many sign-ins have started. */
  signIns?: number;
  codes: CodePool;
  /**
   * Sign in through the redirect flow instead of the popup's (GET /auth/google, then the
   * callback with a code the emulator issues for the authorization URL's parameters).
   */
  redirectCode?: RedirectCode | undefined;
  onProgress?: (done: number, errors: number, elapsedMs: number) => void;
}

export interface LoadResult {
  signIns: number;
  /** Sign-ins whose /login or /gconnect did not answer 200 (or failed at the socket). */
  errors: number;
  errorSamples: string[];
  elapsedMs: number;
  perSecond: number;
  /** Latency of each POST /gconnect (ms), successful sign-ins only. */
  gconnectMs: number[];
}

interface Reply {
  status: number;
  body: string;
  setCookie: string[] | undefined;
  location: string | undefined;
}

/** A code for the authorization request the server redirected to (its redirect_uri, PKCE…). */
export type RedirectCode = (authorizationUrl: string) => Promise<string>;

/**
 * A target's keep-alive agent. Its timeout makes Node apply a server's `Keep-Alive: timeout=N`
 * hint (the limit server's is 5 s), closing idle sockets a second early: a target waits through
 * the other targets' turns of a round, and a request on a socket the server is just closing
 * would fail (ECONNRESET) and count as an error.
 */
export function createAgent(concurrency: number): http.Agent {
  return new http.Agent({
    keepAlive: true,
    maxSockets: concurrency,
    maxFreeSockets: concurrency,
    timeout: 30_000,
  });
}

function send(
  agent: http.Agent,
  target: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, method, path, headers, agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            setCookie: res.headers['set-cookie'],
            location: res.headers.location,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A full redirect-flow sign-in as a browser without JavaScript: GET /auth/google (the session
 * cookie and a redirect to Google), a code for that authorization request, then the callback
 * with every cookie the first answer set. Returns the callback's latency (ms) and the signed-in
 * session cookie; a redirect to /login (Passport's failureRedirect) or any other answer throws.
 */
export async function redirectSignIn(
  agent: http.Agent,
  next: () => URL,
  codeFor: RedirectCode,
): Promise<{ ms: number; cookie: string }> {
  const start = await send(agent, next(), 'GET', '/auth/google', { accept: 'text/html' });
  if (start.status !== 302 || !start.location) throw new Error(`GET /auth/google ${start.status}`);
  const auth = new URL(start.location);
  const callback = new URL(auth.searchParams.get('redirect_uri') ?? '');
  const state = auth.searchParams.get('state') ?? '';
  const cookie = (start.setCookie ?? []).map((c) => c.split(';')[0]).join('; ');
  const code = await codeFor(start.location);
  const started = performance.now();
  const res = await send(
    agent,
    next(),
    'GET',
    `${callback.pathname}?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`,
    { accept: 'text/html', cookie },
  );
  const ms = performance.now() - started;
  if ((res.status !== 302 && res.status !== 303) || res.location?.startsWith('/login')) {
    throw new Error(`GET ${callback.pathname} ${res.status} ${res.location ?? ''}`);
  }
  const signedIn = sessionCookie(res.setCookie);
  if (!signedIn) throw new Error(`GET ${callback.pathname}: no session cookie`);
  return { ms, cookie: signedIn };
}

/** A sign-in by the flow the options name: the popup's (a code from the pool) or the redirect. */
export async function signInBy(
  agent: http.Agent,
  next: () => URL,
  options: { codes: CodePool; redirectCode?: RedirectCode | undefined },
): Promise<{ ms: number; cookie: string }> {
  if (options.redirectCode) return redirectSignIn(agent, next, options.redirectCode);
  return signInWithCookie(agent, next, await options.codes.take());
}

/**
 * A full sign-in that also returns the signed-in session cookie `/gconnect` set. Each request
 * goes to the instance `next` names.
 */
export async function signInWithCookie(
  agent: http.Agent,
  next: () => URL,
  code: string,
): Promise<{ ms: number; cookie: string }> {
  const login = await send(agent, next(), 'GET', '/login', { accept: 'application/json' });
  if (login.status !== 200) throw new Error(`GET /login ${login.status}`);
  const state = (JSON.parse(login.body) as { state?: unknown }).state;
  const cookie = sessionCookie(login.setCookie);
  if (typeof state !== 'string' || !cookie) throw new Error('GET /login: no state or cookie');
  const started = performance.now();
  const res = await send(
    agent,
    next(),
    'POST',
    `/gconnect?state=${encodeURIComponent(state)}`,
    { 'content-type': 'application/octet-stream', cookie, 'content-length': String(code.length) },
    code,
  );
  const ms = performance.now() - started;
  if (res.status !== 200 || !res.body.includes('<h1>Welcome')) {
    throw new Error(`POST /gconnect ${res.status} ${res.body.slice(0, 60)}`);
  }
  const signedIn = sessionCookie(res.setCookie);
  if (!signedIn) throw new Error('POST /gconnect: no session cookie');
  return { ms, cookie: signedIn };
}

export interface PageLoadOptions {
  /** The target's instances: requests go to each in turn. */
  urls: string[];
  path: string;
  /** One signed-in cookie per concurrent loop. */
  cookies: string[];
  durationMs: number;
  /** A 200 whose body lacks this counts as an error (a signed-out page is not a page view). */
  expect: string;
}

export interface PageLoadResult {
  requests: number;
  errors: number;
  errorSamples: string[];
  elapsedMs: number;
}

/** GET `path` as a signed-in browser, one loop per cookie, for a fixed time. */
export async function runPageLoad(
  agent: http.Agent,
  options: PageLoadOptions,
): Promise<PageLoadResult> {
  const next = roundRobin(options.urls);
  const start = performance.now();
  const deadline = start + options.durationMs;
  const result = { requests: 0, errors: 0, errorSamples: [] as string[], elapsedMs: 0 };
  const loop = async (cookie: string) => {
    while (performance.now() < deadline) {
      result.requests++;
      try {
        const res = await send(agent, next(), 'GET', options.path, { cookie });
        if (res.status !== 200 || !res.body.includes(options.expect)) {
          throw new Error(`GET ${options.path} ${res.status} ${res.body.slice(0, 60)}`);
        }
      } catch (err) {
        result.errors++;
        if (result.errorSamples.length < 5) result.errorSamples.push((err as Error).message);
      }
    }
  };
  await Promise.all(options.cookies.map(loop));
  result.elapsedMs = performance.now() - start;
  return result;
}

export async function runLoad(agent: http.Agent, options: LoadOptions): Promise<LoadResult> {
  const next = roundRobin(options.urls);
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const limit = options.signIns ?? Infinity;
  let started = 0;
  let done = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const gconnectMs: number[] = [];
  const progress = options.onProgress
    ? setInterval(() => options.onProgress?.(done, errors, performance.now() - start), 500)
    : undefined;

  const loop = async () => {
    while (performance.now() < deadline && started < limit) {
      started++;
      try {
        gconnectMs.push((await signInBy(agent, next, options)).ms);
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message);
      }
      done++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  if (progress) clearInterval(progress);
  const elapsedMs = performance.now() - start;
  options.onProgress?.(done, errors, elapsedMs);
  return {
    signIns: done,
    errors,
    errorSamples,
    elapsedMs,
    perSecond: (done - errors) / (elapsedMs / 1000),
    gconnectMs,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** The session cookie's `name=value` (GET /login also sets the nonce binding cookie). */
function sessionCookie(setCookie: string[] | undefined): string | undefined {
  return setCookie?.find((c) => /^(__Host-)?sid=/.test(c))?.split(';')[0];
}
