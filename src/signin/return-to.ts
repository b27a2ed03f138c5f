/** Where the redirect flow lands when no (safe) destination was asked for. */
export const DEFAULT_RETURN_TO = '/';

const PLACEHOLDER_ORIGIN = 'http://return-to.invalid';
const MAX_LENGTH = 2048;

/**
 * A same-origin path to go to after sign-in, or `/`. The check runs on the value that will be
 * sent in `Location`, after normalization: dot segments, encoded dots and backslashes all
 * normalize, and `/.//evil` becomes `//evil`, which a browser reads as another host. A client
 * must not be an open redirector (RFC 9700 §4.11.1).
 */
export function safeReturnTo(value: unknown): string {
  // Only absolute paths are asked for; `evil.example` or `\\evil` are not ours to resolve.
  if (typeof value !== 'string' || value.length > MAX_LENGTH || !value.startsWith('/')) {
    return DEFAULT_RETURN_TO;
  }
  const normalized = normalizePath(value);
  return normalized !== undefined && staysOnOrigin(normalized) ? normalized : DEFAULT_RETURN_TO;
}

/** The path as a browser resolves it (backslashes as slashes, tabs and newlines dropped). */
function normalizePath(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN);
  } catch {
    // Not a URL: refused. (Emptying this block is an equivalent mutant: it returns undefined too.)
    return undefined;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return undefined;
  return url.pathname + url.search + url.hash;
}

/**
 * True when `location`, sent as is, resolves on our origin and is already in its final form: a
 * path, not a scheme-relative `//host` or `/\host`, that normalizes to itself.
 */
function staysOnOrigin(location: string): boolean {
  // The prefix checks are defence in depth: the last line alone refuses `//host` and `/\host`
  // (they never normalize to themselves), and after the prefix checks normalization is
  // idempotent, so weakening either side is an equivalent mutant.
  return (
    location.length <= MAX_LENGTH &&
    location.startsWith('/') &&
    !location.startsWith('//') &&
    !location.startsWith('/\\') &&
    normalizePath(location) === location
  );
}
