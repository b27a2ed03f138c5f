import { AppError, Messages } from '../errors.js';
import type { GoogleProfile, UserStore } from '../storage/user-store.js';

/** Who may sign in; both lists empty means any Google account. Entries are lower case. */
export interface AllowedAccounts {
  /** Google Workspace domains, matched against the ID token's `hd` claim. */
  domains: string[];
  /** Exact addresses. */
  emails: string[];
}

export const ANY_ACCOUNT: AllowedAccounts = { domains: [], emails: [] };

/**
 * True when the account may sign in. A domain is proven by the ID token's `hd` (Google sets it
 * only for Workspace accounts of that domain), never by the email's suffix, which any consumer
 * account could show; an address counts only once Google has verified it.
 */
export function isAllowedAccount(profile: GoogleProfile, allowed: AllowedAccounts): boolean {
  if (allowed.domains.length === 0 && allowed.emails.length === 0) return true;
  if (!profile.emailVerified) return false;
  const hd = profile.hostedDomain?.toLowerCase();
  if (hd !== undefined && allowed.domains.includes(hd)) return true;
  const email = profile.email?.toLowerCase();
  return email !== undefined && allowed.emails.includes(email);
}

/**
 * The user store as every sign-in flow sees it: an account outside the allowed lists is refused
 * (403) before its row is written, so the check sits where no flow can go around it.
 */
export function admitOnlyAllowedAccounts(users: UserStore, allowed: AllowedAccounts): UserStore {
  if (allowed.domains.length === 0 && allowed.emails.length === 0) return users;
  return {
    upsertFromGoogle(profile, now) {
      if (!isAllowedAccount(profile, allowed)) {
        return Promise.reject(
          new AppError(403, Messages.accountNotAllowed, { code: 'account_not_allowed' }),
        );
      }
      return users.upsertFromGoogle(profile, now);
    },
    findById: (id) => users.findById(id),
    ping: () => users.ping(),
  };
}
