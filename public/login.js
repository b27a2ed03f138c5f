// The sign-in page: Google Identity Services' code client in popup mode, then POST /gconnect.
// Loaded by <script src nonce>, so it runs under the page's CSP; it never evaluates strings.
'use strict';
(function () {
  const root = document.getElementById('signin');
  const button = document.getElementById('google-signin');
  const status = document.getElementById('status');
  const result = document.getElementById('result');
  const gsiScript = document.getElementById('gsi-client');
  let state = root.dataset.state;
  let codeClient = null;

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle('error', Boolean(isError));
  }

  function gsiLoaded() {
    return Boolean(window.google && window.google.accounts && window.google.accounts.oauth2);
  }

  // The state is single use: after any attempt, fetch a fresh one so the user can simply retry.
  async function refreshState() {
    const res = await fetch('/login', {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (res.ok) {
      state = (await res.json()).state;
      root.dataset.state = state;
    }
  }

  function goHomeSoon() {
    // Long enough to read the greeting; the home page then shows who is signed in.
    setTimeout(() => window.location.assign(root.dataset.returnTo || '/'), 1200);
  }

  async function failed(message) {
    say(message, true);
    await refreshState().catch(() => {});
    button.disabled = false;
  }

  async function sendCode(code) {
    // One code at a time: a second one would race the first for the single-use state.
    button.disabled = true;
    say('Signing you in…');
    let res;
    try {
      res = await fetch('/gconnect?state=' + encodeURIComponent(state), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/octet-stream; charset=utf-8',
          // Google's advice for the popup flow; the server also accepts clients that omit it.
          'X-Requested-With': 'XMLHttpRequest',
          Accept: 'application/json',
        },
        body: code,
      });
    } catch {
      await failed('Could not reach the server. Check your connection and try again.');
      return;
    }
    const type = res.headers.get('content-type') || '';
    if (res.ok && type.startsWith('text/html')) {
      // The greeting is rendered by the server with every value escaped.
      result.innerHTML = await res.text();
      say('');
      goHomeSoon();
      return;
    }
    const message = type.includes('json') ? await res.json().catch(() => null) : null;
    if (res.ok) {
      say(typeof message === 'string' ? message : 'Signed in.');
      goHomeSoon();
      return;
    }
    await failed(
      (typeof message === 'string' ? message : 'Sign-in failed.') + ' Please try again.',
    );
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
    sendCode(response.code);
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

  function client() {
    if (!codeClient) {
      codeClient = window.google.accounts.oauth2.initCodeClient({
        client_id: root.dataset.clientId,
        scope: root.dataset.scope || 'openid email profile',
        // Incremental authorization: the new code's tokens cover the scopes granted before too.
        include_granted_scopes: true,
        ux_mode: 'popup',
        callback: onCode,
        error_callback: onError,
      });
    }
    return codeClient;
  }

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
