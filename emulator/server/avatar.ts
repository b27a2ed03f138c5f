import { createHash } from 'node:crypto';
import type { TestAccount } from './accounts.js';
import { escapeHtml } from './html.js';

const COLOURS = ['#1a73e8', '#d93025', '#188038', '#e37400', '#9334e6', '#007b83'];

/** A 96×96 SVG with the account's initials on a colour derived from its sub. */
export function renderAvatarSvg(account: TestAccount): string {
  const initials = (account.givenName.charAt(0) + account.familyName.charAt(0)).toUpperCase();
  const digest = createHash('sha256').update(account.sub).digest();
  const colour = COLOURS[(digest[0] ?? 0) % COLOURS.length] ?? '#1a73e8';
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">',
    `<circle cx="48" cy="48" r="48" fill="${colour}"/>`,
    '<text x="48" y="48" dy=".35em" text-anchor="middle" fill="#fff" ',
    'font-family="Arial, Helvetica, sans-serif" font-size="40">',
    escapeHtml(initials),
    '</text></svg>',
  ].join('');
}
