import type { GrantStatus } from '../storage/grant-store.js';

/** A named feature's state for the user: all its scopes granted, unticked at Google, or not asked yet. */
export type FeatureStatus = 'granted' | 'denied' | 'not_granted';

/** Google names these by URL in a token response's `scope`; the request may use the short name. */
const SHORT_SCOPES: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};
/** What every sign-in needs; Google never lets the user untick them, so they are never "denied". */
const SIGN_IN_SCOPES = new Set(['openid', ...Object.values(SHORT_SCOPES)]);

/** A scope as Google reports it granted (`email` → its URL). */
export function normalizeScope(scope: string): string {
  return SHORT_SCOPES[scope] ?? scope;
}

/** A stored space-separated scope string as a list of normalized scopes. */
export const scopeList = (scope: string | undefined): string[] =>
  (scope ?? '').split(' ').filter(Boolean).map(normalizeScope);

/** The union of two scope lists, first seen first, without duplicates. */
export function mergeScopes(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b].map(normalizeScope))];
}

/** Asked for, not a sign-in scope, and not granted: what the user unticked on Google's screen. */
export function deniedScopes(requested: readonly string[], granted: readonly string[]): string[] {
  const have = new Set(granted.map(normalizeScope));
  return mergeScopes([], requested).filter((s) => !SIGN_IN_SCOPES.has(s) && !have.has(s));
}

/** What featureStatuses reads of a grant's summary (see GrantSummary in google-grants.ts). */
export interface ScopeSummary {
  status: GrantStatus | 'not_connected';
  scopes: readonly string[];
  deniedScopes: readonly string[];
}

/**
 * Each feature's state from a summary: granted only on a connected grant holding every one of its
 * scopes; denied when the user unticked one of them; else not asked for yet.
 */
export function featureStatuses(
  summary: ScopeSummary,
  features: Readonly<Record<string, readonly string[]>>,
): Record<string, FeatureStatus> {
  const granted = new Set(summary.scopes.map(normalizeScope));
  const denied = new Set(summary.deniedScopes);
  const statuses: Record<string, FeatureStatus> = {};
  for (const [name, scopes] of Object.entries(features)) {
    const wanted = scopes.map(normalizeScope);
    statuses[name] =
      summary.status === 'connected' && wanted.every((s) => granted.has(s))
        ? 'granted'
        : wanted.some((s) => denied.has(s))
          ? 'denied'
          : 'not_granted';
  }
  return statuses;
}
