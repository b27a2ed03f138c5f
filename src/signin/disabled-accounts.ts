import { AppError, Messages } from '../errors.js';
import type { AccountSecurityStore } from '../storage/account-security.js';

/**
 * Refuses Google sign-in (403) for an account Google reported disabled through Cross-Account
 * Protection (`account-disabled`), until Google reports it enabled again.
 */
export async function refuseDisabledAccount(
  accounts: AccountSecurityStore,
  googleSub: string,
): Promise<void> {
  const userId = await accounts.findUserId(googleSub);
  const security = userId === undefined ? undefined : await accounts.get(userId);
  if (security?.signInDisabledReason) {
    throw new AppError(403, Messages.accountDisabled, { code: 'account_disabled' });
  }
}
