/**
 * What the pages say instead of machine values: dates in the reader's language, security log
 * entries as sentences, sign-in methods and Google scopes as people know them. Codes never
 * reach a page: an unknown one gets a generic sentence.
 */
import type { Request } from 'express';
import type { SecurityLogEntry } from '../storage/security-log.js';

/** The first `Accept-Language` locale Intl can format; 'en' when none is. */
export function pageLocale(req: Request): string {
  for (const tag of req.acceptsLanguages()) {
    if (tag === '*') continue;
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // A malformed tag (RangeError) is skipped like an unsupported one.
    }
  }
  return 'en';
}

/** A date as a page shows it, in a `<time datetime="iso">` element. */
export interface TimeView {
  iso: string;
  text: string;
  /** 'relative': recent ("5 minutes ago"); 'absolute': a UTC date public/local-time.js localizes. */
  style: 'relative' | 'absolute';
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 1000],
  ['minute', 60_000],
  ['hour', 3_600_000],
];
/** Within a day a date reads relative; older ones as a date. */
const RECENT_MS = 86_400_000;

/**
 * The server cannot know the reader's time zone: absolute dates are rendered in UTC with the
 * zone named, and public/local-time.js rewrites them to the browser's zone (without script, UTC
 * stays, and says so). Relative ones need no zone.
 */
export function timeView(atMs: number, locale: string, nowMs: number): TimeView {
  const iso = new Date(atMs).toISOString();
  const ago = nowMs - atMs;
  if (ago >= 0 && ago < RECENT_MS) {
    const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    const [unit, size] = RELATIVE_UNITS.findLast(([, ms]) => ago >= ms) ?? RELATIVE_UNITS[0]!;
    const amount = ago < 10_000 ? 0 : Math.floor(ago / size);
    return { iso, text: rtf.format(-amount, unit), style: 'relative' };
  }
  const text = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(atMs);
  return { iso, text: `${text} UTC`, style: 'absolute' };
}

/** How a session signed in, as the account page records it (see session-data.ts). */
export interface SignInMethodRecord {
  method: string;
  mode?: string | undefined;
  selectBy?: string | undefined;
}

/** Google's select_by values of the One Tap prompt (the rest, btn…, are the button). */
const ONE_TAP_SELECT_BY = /^(auto|user|user_1tap|user_2tap|fedcm|fedcm_auto|itp|itp_confirm)$/;

/** A sign-in method as people say it; unknown ones say only that Google was used. */
export function describeSignInMethod(record: SignInMethodRecord | string | null | undefined) {
  const { method, selectBy } =
    typeof record === 'string' ? splitMethod(record) : (record ?? { method: '' });
  switch (method) {
    case 'popup':
      return 'Google sign-in popup';
    case 'redirect':
      return 'Google sign-in page (redirect)';
    case 'credential':
      if (selectBy !== undefined && ONE_TAP_SELECT_BY.test(selectBy)) return 'One Tap';
      if (selectBy?.startsWith('btn')) return 'Google button';
      return 'Google button or One Tap';
  }
  return 'Google sign-in';
}

/** The security log's sign-in detail: `method` or `method:select_by` (sign-in.ts). */
function splitMethod(detail: string): { method: string; selectBy: string | undefined } {
  const [method = '', selectBy] = detail.split(':');
  return { method, selectBy };
}

const SIGN_IN_SENTENCES: Record<string, string> = {
  'Google sign-in popup': 'Signed in with the Google sign-in popup',
  'Google sign-in page (redirect)': "Signed in through Google's sign-in page",
  'One Tap': 'Signed in with One Tap',
  'Google button': 'Signed in with the Google button',
  'Google button or One Tap': 'Signed in with the Google button or One Tap',
};

const GOOGLE_EVENT_SENTENCES: Record<string, string> = {
  'sessions-revoked': 'Google ended all your sessions after a security alert',
  'tokens-revoked': "Google revoked this app's access to your account; all your sessions ended",
  'token-revoked': "Google revoked this app's access to your account",
  'account-disabled': 'Google disabled your account; signing in here is suspended',
  'account-enabled': 'Google enabled your account again',
  'account-credential-change-required': 'Google asked you to change your password',
};

/** A security log entry as a sentence; an unknown kind or detail never shows its code. */
export function describeLogEntry(entry: Pick<SecurityLogEntry, 'kind' | 'detail'>): string {
  switch (entry.kind) {
    case 'sign-in':
      return SIGN_IN_SENTENCES[describeSignInMethod(entry.detail ?? '')] ?? 'Signed in with Google';
    case 'sign-out':
      return 'Signed out';
    case 'disconnect':
      return 'Disconnected Google and signed out';
    case 'sessions-revoked': {
      const count = Number(entry.detail);
      if (count === 1) return 'Ended 1 session';
      return Number.isInteger(count) && count > 1
        ? `Ended ${count} sessions`
        : 'Ended other sessions';
    }
    case 'google-event':
      return GOOGLE_EVENT_SENTENCES[entry.detail ?? ''] ?? 'Google reported a security event';
  }
  return 'Account activity';
}

/** Google's consent screen wording of the scopes it knows (developers.google.com/identity). */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Associate you with your personal info on Google',
  email: 'See your primary Google Account email address',
  profile: "See your personal info, including any personal info you've made publicly available",
  'https://www.googleapis.com/auth/userinfo.email': 'See your primary Google Account email address',
  'https://www.googleapis.com/auth/userinfo.profile':
    "See your personal info, including any personal info you've made publicly available",
  'https://www.googleapis.com/auth/calendar.readonly':
    'See and download any calendar you can access using your Google Calendar',
  'https://www.googleapis.com/auth/calendar':
    'See, edit, share, and permanently delete all the calendars you can access using Google Calendar',
  'https://www.googleapis.com/auth/calendar.events': 'View and edit events on all your calendars',
  'https://www.googleapis.com/auth/drive.file':
    'See, edit, create, and delete only the specific Google Drive files you use with this app',
  'https://www.googleapis.com/auth/drive.readonly': 'See and download all your Google Drive files',
  'https://www.googleapis.com/auth/drive':
    'See, edit, create, and delete all of your Google Drive files',
  'https://www.googleapis.com/auth/gmail.readonly': 'View your email messages and settings',
  'https://www.googleapis.com/auth/gmail.send': 'Send email on your behalf',
  'https://www.googleapis.com/auth/contacts.readonly': 'See and download your contacts',
  'https://www.googleapis.com/auth/spreadsheets.readonly':
    'See all your Google Sheets spreadsheets',
  'https://www.googleapis.com/auth/spreadsheets':
    'See, edit, create, and delete all your Google Sheets spreadsheets',
};

/** A scope as the page shows it: Google's words, or an unknown URL's last segment (full in title). */
export function describeScope(scope: string): { text: string; title?: string } {
  const words = SCOPE_WORDS[scope];
  if (words !== undefined) return { text: words };
  const last = scope.replace(/\/+$/, '').split('/').pop() || scope;
  return last === scope ? { text: scope } : { text: last, title: scope };
}

/** A feature's name as a person reads it: `google-calendar` → "Google calendar". */
export function featureLabel(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
