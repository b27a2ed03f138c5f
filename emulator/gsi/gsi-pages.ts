import type { TestAccount } from '../server/accounts.js';
import { accountChooser, hiddenField, renderPage } from '../oauth/consent-page.js';
import type { GsiRequest } from './gsi-request.js';
import { escapeHtml, jsonForScript } from '../server/html.js';

/** How the credential was chosen, as Google's CredentialResponse.select_by says it. */
export type SelectBy = 'btn' | 'user_1tap' | 'auto';

export type GsiMessage =
  | {
      type: 'emulator-credential-response';
      credential: string;
      select_by: SelectBy;
      /** Fault `csrfMismatch` in One Tap's login_uri mode: the script posts a wrong field. */
      csrf_mismatch?: true;
    }
  | { type: 'emulator-credential-response'; error: 'cancelled' };

/** Hidden fields that carry the chooser's request to the approve step. */
function requestFields(request: GsiRequest): string {
  return [
    hiddenField('client_id', request.clientId),
    hiddenField('origin', request.origin),
    hiddenField('mode', request.mode),
    hiddenField('nonce', request.nonce),
    hiddenField('login_uri', request.loginUri),
    hiddenField('g_csrf_token', request.csrfToken),
    hiddenField('hd', request.hd),
    hiddenField('login_hint', request.loginHint),
  ].join('\n');
}

/** The One Tap message that sizes the frame to the chooser (the page cannot see into it). */
export const ONE_TAP_SIZE_MESSAGE = 'emulator-onetap-size';

/**
 * The account chooser of the button (popup or full page) and of One Tap (in an iframe, telling
 * the page its height so the frame shows every account: `nonce` allows that script).
 */
export function renderGsiChooser(
  request: GsiRequest,
  accounts: readonly TestAccount[],
  nonce: string,
): string {
  const host = new URL(request.origin).host;
  const oneTap = request.mode === 'onetap';
  const title = oneTap ? `Sign in to ${host} with Google` : 'Choose an account';
  return renderPage({
    title: 'Emulated Google — sign in with Google',
    ...(oneTap
      ? {
          framed: true,
          scriptNonce: nonce,
          script: `window.parent.postMessage({ type: ${jsonForScript(ONE_TAP_SIZE_MESSAGE)}, height: Math.ceil(document.body.getBoundingClientRect().height) }, ${jsonForScript(request.origin)});`,
        }
      : {}),
    body: accountChooser(
      {
        heading: title,
        destination: host,
        action: '/gsi/select/approve',
        fields: requestFields(request),
      },
      accounts,
      { hd: request.hd, loginHint: request.loginHint },
    ),
  });
}

/**
 * The page that hands the result to the window that asked: the popup's opener or One Tap's
 * parent, only at the page's origin (never `*`, which would give the credential to anyone).
 */
export function renderGsiMessagePage(
  message: GsiMessage,
  origin: string,
  target: 'opener' | 'parent',
  nonce: string,
): string {
  const script = `(function () {
  var message = ${jsonForScript(message)};
  var origin = ${jsonForScript(origin)};
  var target = ${jsonForScript(target)} === 'opener' ? window.opener : window.parent;
  if (target && target !== window) {
    target.postMessage(message, origin);
    if (window.opener) setTimeout(function () { window.close(); }, 50);
  } else {
    document.getElementById('status').textContent = 'The window that asked for sign-in is gone.';
  }
})();`;
  return renderPage({
    title: 'Emulated Google — returning to the app',
    body: `<h1>Returning to the app…</h1><p id="status">One moment.</p>`,
    scriptNonce: nonce,
    script,
  });
}

/** Redirect mode: Google's page posts the credential to the app's login_uri as a form. */
export function renderGsiFormPost(
  loginUri: string,
  fields: Record<string, string>,
  nonce: string,
): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => hiddenField(name, value))
    .join('\n');
  return renderPage({
    title: 'Emulated Google — returning to the app',
    body: `<h1>Returning to the app…</h1>
<form id="gsi-post" method="post" action="${escapeHtml(loginUri)}">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>`,
    scriptNonce: nonce,
    script: `document.getElementById('gsi-post').submit();`,
  });
}
