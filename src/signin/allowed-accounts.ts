import { AppError, Messages } from '../core/errors.js';
import type { GoogleProfile } from '../storage/user-store.js';

/** Who may sign in; both lists empty means any Google account. Entries are lower case. */
export interface AllowedAccounts {
  /** Google Workspace domains, matched against the ID token's `hd` claim. */
  domains: string[];
  /** Exact addresses. */
  emails: string[];
}

/**
 * True when the account may sign in. A domain is proven by the ID token's `hd` (Google sets it
 * only for Workspace accounts of that domain), never by the email's suffix, which any consumer
 * account could show; an address counts only once Google has verified it.
 */
export function isAllowedAccount(profile: GoogleProfile, allowed: AllowedAccounts): boolean {
  if (allowed.domains.length === 0 && allowed.emails.length === 0) return true;
  if (!profile.emailVerified) return false;
  // The `!== undefined` checks are for the type checker (`includes(undefined)` on a list of
  // strings is false anyway): dropping them is an equivalent mutant.
  const hd = profile.hostedDomain?.toLowerCase();
  if (hd !== undefined && allowed.domains.includes(hd)) return true;
  const email = profile.email?.toLowerCase();
  return email !== undefined && allowed.emails.includes(email);
}

/** Refuses (403) an account outside the allowed lists. */
export function assertAllowedAccount(profile: GoogleProfile, allowed: AllowedAccounts): void {
  if (!isAllowedAccount(profile, allowed)) {
    throw new AppError(403, Messages.accountNotAllowed, { code: 'account_not_allowed' });
  }
}

/**
 * The `hd` hint for Google's authorization requests: with exactly one allowed domain, Google
 * shows only that domain's accounts. Not when an invited address lies outside the domain: its
 * account must still be offered. A hint only: assertAllowedAccount still checks the token.
 */
export function hostedDomainHint(allowed: AllowedAccounts): string | undefined {
  const [domain, ...others] = allowed.domains;
  if (domain === undefined || others.length > 0) return undefined;
  return allowed.emails.every((email) => email.endsWith(`@${domain}`)) ? domain : undefined;
}
