import type pg from 'pg';
import type { Logger } from 'pino';

/** What every page's header shows. */
export interface PageChrome {
  appName: string;
  links: readonly { href: string; text: string }[];
  /** The footer's links, when configured (privacyPolicyUrl, termsUrl). */
  privacyPolicyUrl?: string | undefined;
  termsUrl?: string | undefined;
}

/** What the settings readers cannot express as text: instances, functions, page chrome. */
export interface GconnectExtras {
  logger: Logger;
  now: () => number;
  pool?: pg.Pool | undefined;
  page: Omit<PageChrome, 'appName'>;
  views?: string | undefined;
  headersAndLogs: 'own-paths' | 'every-path';
  isDraining: () => boolean;
}
