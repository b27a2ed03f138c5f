/**
 * `signIn()`: a sign-in through the emulator in a host app's test, as the sign-in page's script
 * does it with Google's popup: GET /login (JSON) for a state bound to a new session, a code from
 * the emulator for the account, POST /gconnect with the code. No browser needed.
 */
import type { StartedEmulator } from './start.js';

export interface SignInOptions {
  /** Email or sub of a test account; default the emulator's first (alice@example.com). */
  account?: string;
  /** Cookies to send (a `Cookie` header's value), e.g. of an earlier visit; default none. */
  cookie?: string;
  /** Deadline of each of the two requests in ms; default 10 000. */
  timeoutMs?: number;
}

export interface SignedIn {
  /** The `Cookie` header value that carries the signed-in session: send it with later requests. */
  cookie: string;
  /** The answer of POST /gconnect (200 when signed in). */
  response: Response;
}

/** Thrown when the app refuses: its status, never its cookies or the code. */
export class SignInError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** A tiny cookie jar: name → value, updated from Set-Cookie (a past expiry deletes). */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  constructor(header = '') {
    for (const pair of header.split(';')) {
      const at = pair.indexOf('=');
      if (at > 0) this.#cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  update(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const removed = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (removed) this.#cookies.delete(name);
      else this.#cookies.set(name, pair.slice(at + 1).trim());
    }
  }

  get header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Signs `account` in to the app at `appUrl` (its base URL) through `emulator`. */
export async function signIn(
  emulator: Pick<StartedEmulator, 'codeFor'>,
  appUrl: string,
  options: SignInOptions = {},
): Promise<SignedIn> {
  const base = appUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const jar = new CookieJar(options.cookie);
  const login = await fetch(`${base}/login`, {
    headers: { accept: 'application/json', cookie: jar.header },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (login.status !== 200)
    throw new SignInError(`GET /login answered ${login.status}`, login.status);
  jar.update(login);
  const { state } = (await login.json()) as { state?: unknown };
  if (typeof state !== 'string') throw new SignInError('GET /login gave no state', login.status);
  const response = await fetch(`${base}/gconnect?state=${encodeURIComponent(state)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', cookie: jar.header },
    body: emulator.codeFor(options.account),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new SignInError(`POST /gconnect answered ${response.status}`, response.status);
  }
  jar.update(response);
  return { cookie: jar.header, response };
}
