import { describe, expect, it } from 'vitest';
import { Messages } from '../../src/core/errors.js';
import { refuseDisabledAccount } from '../../src/signin/disabled-accounts.js';
import type { AccountSecurityStore } from '../../src/storage/account-security.js';

/** An account store that knows Google's state of one account (sub "1234"), disabled or not. */
function storeWith(reason: string | null): AccountSecurityStore {
  return {
    signInDisabledReason: (sub) =>
      Promise.resolve(sub === '1234' ? (reason ?? undefined) : undefined),
  } as AccountSecurityStore;
}

describe('refuseDisabledAccount', () => {
  it('when Google reported the account disabled, then sign-in is refused: 403 account_disabled', async () => {
    await expect(refuseDisabledAccount(storeWith('hijacking'), '1234')).rejects.toMatchObject({
      status: 403,
      code: 'account_disabled',
      publicMessage: Messages.accountDisabled,
    });
  });

  it('when the account is enabled, or unknown to us, then sign-in goes on', async () => {
    await expect(refuseDisabledAccount(storeWith(null), '1234')).resolves.toBeUndefined();
    await expect(refuseDisabledAccount(storeWith('hijacking'), '999')).resolves.toBeUndefined();
  });
});
