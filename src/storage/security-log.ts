/** What the account page's security log lists. */
export type SecurityLogKind =
  'sign-in' | 'sign-out' | 'disconnect' | 'sessions-revoked' | 'google-event';

export interface SecurityLogEntry {
  kind: SecurityLogKind;
  /** A short, non-secret detail: the sign-in method, a count, Google's event type. */
  detail: string | null;
  atMs: number;
}

/**
 * The user's security log, bounded: each record keeps only the user's newest `keep` entries,
 * so a busy account cannot grow the table without end. Deleted with the user (cascade).
 */
export interface SecurityLog {
  record(userId: number, entry: SecurityLogEntry, keep?: number): Promise<void>;
  /** Newest first. */
  list(userId: number): Promise<SecurityLogEntry[]>;
}

/** Entries kept per user. */
export const SECURITY_LOG_KEEP = 50;
