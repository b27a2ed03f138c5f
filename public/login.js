// The sign-in page: Google Identity Services' code client in popup mode, then POST /gconnect.
// Loaded by <script src nonce>, so it runs under the page's CSP; it never evaluates strings.
// gsi-sign-in.js (the Google button and One Tap) posts its credential through sendSignIn too.
'use strict';
(function () {
  const root = document.getElementById('signin');
  const button = document.getElementById('google-signin');
  const status = document.getElementById('status');
  const result = document.getElementById('result');
  const form = document.getElementById('signin-form');
  const redirectAlt = document.getElementById('redirect-alt');
  // Where to go once signed in: the server put a checked same-origin path here.
  const returnTo = root.dataset.returnTo || '/';
  const gsiScript = document.getElementById('gsi-client');
  let codeClient = null;

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle('error', Boolean(isError));
  }

  function gsiLoaded() {
    return Boolean(window.google && window.google.accounts && window.google.accounts.oauth2);
  }

  // State and nonce are single use: after any attempt, fetch fresh ones so the user can retry.
  async function refreshState() {
    const res = await fetch('/login', {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (res.ok) {
      const fresh = await res.json();
      root.dataset.state = fresh.state;
      root.dataset.nonce = fresh.nonce;
      root.dispatchEvent(new window.Event('gconnect:refreshed'));
    }
  }

  // The sign-in form gives way to the greeting, then the page goes on, saying where.
  function goOnSoon(message) {
    form.hidden = true;
    redirectAlt.hidden = true;
    say(
      message +
        (returnTo === '/'
          ? ' Taking you to the home page…'
          : ' Taking you back to ' + returnTo + '…'),
    );
    // Long enough to read the greeting.
    setTimeout(() => window.location.assign(returnTo), 1200);
  }

  async function failed(message) {
    say(message, true);
    await refreshState().catch(() => {});
    button.disabled = false;
  }

  // Posts a code (to /gconnect) or a credential (to /auth/google/credential) with the state.
  async function sendSignIn(path, contentType, body) {
    // One attempt at a time: a second one would race the first for the single-use state.
    button.disabled = true;
    say('Signing you in…');
    let res;
    try {
      res = await fetch(path + '?state=' + encodeURIComponent(root.dataset.state), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': contentType,
          // Google's advice for the popup flow; the server also accepts clients that omit it.
          'X-Requested-With': 'XMLHttpRequest',
          Accept: 'application/json',
        },
        body: body,
      });
    } catch {
      await failed('Could not reach the server. Check your connection and try again.');
      return;
    }
    const type = res.headers.get('content-type') || '';
    if (res.ok && type.startsWith('text/html')) {
      // The greeting is rendered by the server with every value escaped.
      result.innerHTML = await res.text();
      goOnSoon('You are signed in.');
      return;
    }
    const message = type.includes('json') ? await res.json().catch(() => null) : null;
    if (res.ok) {
      goOnSoon(typeof message === 'string' ? message : 'You are signed in.');
      return;
    }
    await failed(explain(res.status, message));
  }

  // Words for a person; the server's technical message stays in its JSON answer and its log.
  function explain(status, message) {
    if (status === 401 && message === 'Invalid state parameter.') {
      return 'This sign-in took too long or was already used. Please sign in again.';
    }
    if (status === 403 && message === 'This Google account is not allowed to sign in.') {
      const domains = root.dataset.allowedDomains;
      return (
        'This Google account cannot sign in here.' +
        (domains ? ' Only accounts of ' + domains + ' (and invited addresses) may sign in.' : '') +
        ' Sign in with another Google account.'
      );
    }
    return (typeof message === 'string' ? message : 'Sign-in failed.') + ' Please try again.';
  }

  function onCode(response) {
    if (response.error) {
      say(
        response.error === 'access_denied'
          ? 'Sign-in was cancelled.'
          : 'Google refused the sign-in (' + response.error + '). Please try again.',
        true,
      );
      return;
    }
    sendSignIn('/gconnect', 'application/octet-stream; charset=utf-8', response.code);
  }

  function onError(error) {
    const type = error && error.type;
    if (type === 'popup_failed_to_open') {
      say(
        'The sign-in popup was blocked. Allow popups for this site, or use the redirect link below.',
        true,
      );
    } else if (type === 'popup_closed') {
      say('The sign-in popup was closed before you chose an account.', true);
    } else {
      say('Sign-in did not complete. Please try again.', true);
    }
  }

  // hd: the one allowed Workspace domain; login_hint: the signed-in account, signing in again.
  function googleHints() {
    const hints = {};
    if (root.dataset.hd) hints.hd = root.dataset.hd;
    if (root.dataset.loginHint) hints.login_hint = root.dataset.loginHint;
    return hints;
  }

  function client() {
    if (!codeClient) {
      codeClient = window.google.accounts.oauth2.initCodeClient(
        Object.assign(
          {
            client_id: root.dataset.clientId,
            scope: root.dataset.scope || 'openid email profile',
            // Incremental authorization: the new code's tokens cover the scopes granted before too.
            include_granted_scopes: true,
            ux_mode: 'popup',
            callback: onCode,
            error_callback: onError,
          },
          googleHints(),
        ),
      );
    }
    return codeClient;
  }

  window.gconnectSignIn = { send: sendSignIn, hints: googleHints };

  button.addEventListener('click', () => {
    say('');
    client().requestCode();
  });

  function ready() {
    button.disabled = false;
  }

  function unavailable() {
    say("Google's sign-in script did not load. Use the redirect link below.", true);
  }

  // Google's script loads async: enable the button once it is there, or say it never came.
  if (gsiLoaded()) ready();
  else {
    gsiScript.addEventListener('load', () => (gsiLoaded() ? ready() : unavailable()));
    gsiScript.addEventListener('error', unavailable);
    // If it failed before this script ran, its error event is gone: check once the page loaded.
    window.addEventListener('load', () => {
      if (!gsiLoaded()) unavailable();
    });
  }
})();
