import type { TestAccount } from '../server/accounts.js';
import type { AuthRequest } from './auth-request.js';
import { escapeHtml, jsonForScript } from '../server/html.js';
import { isSignInScope } from './grants.js';

const STYLE = `
  :root { color-scheme: light; font-family: "Google Sans", Roboto, Arial, sans-serif; }
  body { margin: 0; background: #f0f4f9; color: #1f1f1f; }
  .banner { background: #fef7e0; color: #5f4200; border-bottom: 1px solid #f9d976;
    padding: .6rem 1rem; text-align: center; font-size: .9rem; }
  main { max-width: 28rem; margin: 2.5rem auto; background: #fff; border-radius: 1.5rem;
    padding: 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.5rem; font-weight: 400; margin: 0 0 .5rem; }
  p { color: #444746; line-height: 1.4; }
  code { background: #f1f3f4; padding: 0 .25rem; border-radius: .25rem; word-break: break-all; }
  ul { list-style: none; margin: 1.25rem 0; padding: 0; }
  li + li { border-top: 1px solid #e3e3e3; }
  button.account { display: flex; align-items: center; gap: .75rem; width: 100%; padding: .75rem .5rem;
    background: none; border: 0; cursor: pointer; text-align: left; font: inherit; }
  button.account:hover, button.account:focus { background: #f1f3f4; outline: none; }
  button.account img { width: 2.25rem; height: 2.25rem; border-radius: 50%; }
  .who { display: flex; flex-direction: column; }
  .email { color: #444746; font-size: .875rem; }
  .tag { font-size: .75rem; color: #8c1d18; }
  fieldset.scopes { border: 1px solid #e3e3e3; border-radius: .75rem; margin: 1rem 0; }
  fieldset.scopes label { display: flex; gap: .5rem; align-items: flex-start; padding: .25rem 0;
    word-break: break-all; }
  .actions { display: flex; justify-content: flex-end; }
  button.cancel { background: none; border: 1px solid #747775; border-radius: 1.25rem;
    padding: .5rem 1.25rem; color: #0b57d0; font: inherit; cursor: pointer; }
  /* One Tap's chooser, framed by the app's page: the frame is the card. */
  body.framed { background: #fff; }
  body.framed .banner { padding: .3rem .75rem; font-size: .8rem; }
  body.framed main { margin: 0; padding: .75rem 1.25rem; border-radius: 0; box-shadow: none; }
  body.framed h1 { font-size: 1.15rem; }
  body.framed ul { margin: .5rem 0; }
`;

export interface PageOptions {
  title: string;
  body: string;
  scriptNonce?: string;
  script?: string;
  /** A page shown in a frame of another site's page (One Tap), styled to fill the frame. */
  framed?: boolean;
}

/** The emulator's page frame: a banner that makes clear no real Google account is involved. */
export function renderPage(opts: PageOptions): string {
  const script =
    opts.script && opts.scriptNonce
      ? `<script nonce="${escapeHtml(opts.scriptNonce)}">${opts.script}</script>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(opts.title)}</title>
<style>${STYLE}</style>
</head>
<body${opts.framed ? ' class="framed"' : ''}>
<div class="banner" role="note">Emulator — no real Google account is used</div>
<main>
${opts.body}
</main>
${script}
</body>
</html>
`;
}

export function hiddenField(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

/** Hidden fields that carry the authorization request to the approve step. */
function requestFields(request: AuthRequest): string {
  return [
    hiddenField('client_id', request.clientId),
    hiddenField('redirect_uri', request.redirectUri),
    hiddenField('response_type', 'code'),
    hiddenField('scope', request.scope),
    hiddenField('state', request.state),
    hiddenField('nonce', request.nonce),
    hiddenField('code_challenge', request.codeChallenge),
    hiddenField('code_challenge_method', request.codeChallengeMethod),
    hiddenField('origin', request.origin),
    hiddenField('access_type', request.accessType),
    hiddenField('prompt', request.prompt),
    hiddenField('include_granted_scopes', request.includeGrantedScopes ? 'true' : undefined),
    hiddenField('hd', request.hd),
    hiddenField('login_hint', request.loginHint),
  ].join('\n');
}

function accountButton(account: TestAccount, preselected = false): string {
  const unverified = account.emailVerified ? '' : '<span class="tag">email not verified</span>';
  const mark = preselected ? ' autofocus aria-current="true" data-login-hint' : '';
  return `<li><button class="account" type="submit" name="account" value="${escapeHtml(account.sub)}"${mark}>
<img src="${escapeHtml(account.picture)}" alt="" width="36" height="36">
<span class="who"><span>${escapeHtml(account.name)}</span>
<span class="email">${escapeHtml(account.email)}</span>${unverified}</span>
</button></li>`;
}

/**
 * An account chooser: a heading, where the answer goes, one button per account and Cancel, in a
 * form that posts `fields` (the request, carried to the approve step) to `action`.
 */
export function accountChooser(
  chooser: { heading: string; destination: string; action: string; fields: string },
  accounts: readonly TestAccount[],
  hints: AccountHints = {},
): string {
  const offered = offeredAccounts(accounts, hints);
  return `<h1>${escapeHtml(chooser.heading)}</h1>
<p>to continue to <code>${escapeHtml(chooser.destination)}</code></p>
<form method="post" action="${escapeHtml(chooser.action)}">
${chooser.fields}
<ul>
${offered.accounts.map((a) => accountButton(a, a === offered.preselected)).join('\n')}
</ul>
${offered.accounts.length === 0 ? `<p class="none">No account of ${escapeHtml(hints.hd ?? '')} is signed in.</p>` : ''}
<div class="actions"><button class="cancel" type="submit" name="action" value="cancel">Cancel</button></div>
</form>`;
}

/** Google's hints to its chooser: `hd` (a Workspace domain) and `login_hint` (email or sub). */
export interface AccountHints {
  hd?: string | undefined;
  loginHint?: string | undefined;
}

/**
 * The accounts the chooser offers, as Google does: with `hd` only that domain's Workspace
 * accounts; the `login_hint` account (by email or sub) first and preselected.
 */
export function offeredAccounts(
  accounts: readonly TestAccount[],
  hints: AccountHints,
): { accounts: TestAccount[]; preselected: TestAccount | undefined } {
  const inDomain =
    hints.hd === undefined ? [...accounts] : accounts.filter((a) => a.hd === hints.hd);
  const hint = hints.loginHint?.toLowerCase();
  const preselected = inDomain.find((a) => a.sub === hint || a.email.toLowerCase() === hint);
  const rest = inDomain.filter((a) => a !== preselected);
  return { accounts: preselected ? [preselected, ...rest] : rest, preselected };
}

/**
 * Google's granular consent: one checkbox per scope beyond the sign-in's, ticked by default. The
 * hidden `scope_choice` tells the approve step the boxes were shown (an unticked box sends nothing).
 */
function scopeChoices(scope: string): string {
  const optional = scope.split(/\s+/).filter((s) => s !== '' && !isSignInScope(s));
  if (optional.length === 0) return '';
  const boxes = optional
    .map(
      (s) =>
        `<label><input type="checkbox" name="granted_scope" value="${escapeHtml(s)}" checked> <code>${escapeHtml(s)}</code></label>`,
    )
    .join('\n');
  return `<fieldset class="scopes"><legend>Allow the app to</legend>
${hiddenField('scope_choice', '1')}
${boxes}
</fieldset>`;
}

export function renderConsentPage(request: AuthRequest, accounts: readonly TestAccount[]): string {
  const destination =
    request.redirectUri === 'postmessage' ? (request.origin ?? 'postmessage') : request.redirectUri;
  const chooser = accountChooser(
    {
      heading: 'Choose an account',
      destination,
      action: '/o/oauth2/v2/auth/approve',
      fields: requestFields(request) + scopeChoices(request.scope),
    },
    accounts,
    { hd: request.hd, loginHint: request.loginHint },
  );
  return renderPage({
    title: 'Emulated Google — choose an account',
    body: `${chooser}
<p>Scopes requested: <code>${escapeHtml(request.scope)}</code></p>`,
  });
}

/** Google's "Error 400: redirect_uri_mismatch" style page. */
export function renderErrorPage(status: number, error: string, description: string): string {
  return renderPage({
    title: `Error ${status}: ${error}`,
    body: `<h1>Access blocked: this request is invalid</h1>
<p><strong>Error ${status}: ${escapeHtml(error)}</strong></p>
<p>${escapeHtml(description)}</p>`,
  });
}

export type PopupMessage =
  | { type: 'emulator-code-response'; code: string; scope: string; state?: string }
  | { type: 'emulator-code-response'; error: 'access_denied'; state?: string };

/** The page the popup lands on: hands the result to the opener (only at `origin`) and closes. */
export function renderPopupResponse(message: PopupMessage, origin: string, nonce: string): string {
  const script = `(function () {
  var message = ${jsonForScript(message)};
  var origin = ${jsonForScript(origin)};
  if (window.opener) {
    window.opener.postMessage(message, origin);
    setTimeout(function () { window.close(); }, 50);
  } else {
    document.getElementById('status').textContent = 'The window that asked for sign-in is gone.';
  }
})();`;
  return renderPage({
    title: 'Emulated Google — returning to the app',
    body: `<h1>Returning to the app…</h1><p id="status">You can close this window.</p>`,
    scriptNonce: nonce,
    script,
  });
}
