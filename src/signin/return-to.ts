/** Where the redirect flow lands when no (safe) destination was asked for. */
export const DEFAULT_RETURN_TO = '/';

const PLACEHOLDER_ORIGIN = 'http://return-to.invalid';

/**
 * A same-origin path to go to after sign-in, or `/`. Only relative paths pass: anything that a
 * browser would resolve to another origin (`//evil`, `/\evil`, `https://…`, tabs or newlines
 * inside `//`) is refused, so the sign-in can never be turned into an open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) return DEFAULT_RETURN_TO;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return DEFAULT_RETURN_TO;
  }
  // Resolve it as a browser would (backslashes as slashes, tabs and newlines dropped)...
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  // ...and keep it only if it stays on our origin; hand back the normalized form.
  if (url.origin !== PLACEHOLDER_ORIGIN) return DEFAULT_RETURN_TO;
  return url.pathname + url.search + url.hash;
}
