/** What Google tells us about a person; `sub` is the identity, the rest are attributes. */
export interface GoogleProfile {
  sub: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  picture: string | null;
  /** The ID token's `hd`: the Workspace domain, if any (checked by the allowed-accounts rule; not stored). */
  hostedDomain?: string | undefined;
}

export interface User {
  id: number;
  googleSub: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  picture: string | null;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string;
}

export interface UserStore {
  /** Creates or refreshes the user for this Google account, in one statement. */
  upsertFromGoogle(profile: GoogleProfile, now: Date): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  /** Deletes the user (the Google grant goes with it); false if there was none. */
  delete(id: number): Promise<boolean>;
  /** Throws when the database does not answer (health check). */
  ping(): Promise<void>;
}
