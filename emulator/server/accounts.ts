/** A Google account the emulator can sign in as. Field names mirror Google's userinfo claims. */
export interface TestAccount {
  /** Google's stable subject identifier: a 21-digit numeric string. */
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
  givenName: string;
  familyName: string;
  /**
   * Profile picture URL. A path starting with `/` (as in DEFAULT_ACCOUNTS) is resolved against the
   * emulator's base URL, so pages can show the emulator's own avatar without internet access.
   */
  picture: string;
  /** Hosted domain, present only for Google Workspace accounts. */
  hd?: string;
}

function avatarPath(sub: string): string {
  return `/avatars/${sub}.svg`;
}

export const DEFAULT_ACCOUNTS: TestAccount[] = [
  {
    sub: '108672543189376542101',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice Example',
    givenName: 'Alice',
    familyName: 'Example',
    picture: avatarPath('108672543189376542101'),
  },
  {
    sub: '114039126785523908812',
    email: 'bob@example.org',
    emailVerified: true,
    name: 'Bob Builder',
    givenName: 'Bob',
    familyName: 'Builder',
    picture: avatarPath('114039126785523908812'),
  },
  {
    sub: '102937465019283746503',
    email: 'carol@example.com',
    emailVerified: true,
    name: 'Carol Workspace',
    givenName: 'Carol',
    familyName: 'Workspace',
    picture: avatarPath('102937465019283746503'),
    hd: 'example.com',
  },
  {
    sub: '117364528190736452904',
    email: 'dave.unverified@example.net',
    emailVerified: false,
    name: 'Dave Unverified',
    givenName: 'Dave',
    familyName: 'Unverified',
    picture: avatarPath('117364528190736452904'),
  },
];

/** Returns the account with its picture made absolute against the emulator's base URL. */
export function resolveAccount(account: TestAccount, baseUrl: string): TestAccount {
  if (!account.picture.startsWith('/')) return { ...account };
  return { ...account, picture: baseUrl + account.picture };
}

/** Finds an account by email (case-insensitive) or by sub. */
export function findAccount(
  accounts: readonly TestAccount[],
  emailOrSub: string,
): TestAccount | undefined {
  const wanted = emailOrSub.toLowerCase();
  return accounts.find((a) => a.sub === emailOrSub || a.email.toLowerCase() === wanted);
}
