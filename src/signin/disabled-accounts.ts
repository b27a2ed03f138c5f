import { AppError, Messages } from '../core/errors.js';
import type { AccountSecurityStore } from '../storage/account-security.js';

/**
 * Refuses Google sign-in (403) for an account Google reported disabled through Cross-Account
 * Protection (`account-disabled`), until Google reports it enabled again. Looked up by `sub`, not
 * by user: an account deleted and signed in again is still refused.
 */
export async function refuseDisabledAccount(
  accounts: AccountSecurityStore,
  googleSub: string,
): Promise<void> {
  if (await accounts.signInDisabledReason(googleSub)) {
    throw new AppError(403, Messages.accountDisabled, { code: 'account_disabled' });
  }
}
