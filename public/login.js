// The sign-in page: Google Identity Services' code client in popup mode, then POST /gconnect.
'use strict';
(function () {
  const root = document.getElementById('signin');
  const button = document.getElementById('google-signin');
  const status = document.getElementById('status');
  const result = document.getElementById('result');
  let state = root.dataset.state;
  let codeClient = null;

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle('error', Boolean(isError));
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

  async function sendCode(code) {
    say('Signing you in…');
    let res;
    try {
      res = await fetch('/gconnect?state=' + encodeURIComponent(state), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/octet-stream; charset=utf-8',
          'X-Requested-With': 'XMLHttpRequest',
          Accept: 'application/json',
        },
        body: code,
      });
    } catch {
      say('Could not reach the server. Check your connection and try again.', true);
      await refreshState().catch(() => {});
      return;
    }
    const type = res.headers.get('content-type') || '';
    if (res.ok && type.startsWith('text/html')) {
      // The greeting is server-rendered with every value escaped.
      result.innerHTML = await res.text();
      say('');
      setTimeout(() => window.location.assign('/'), 1200);
      return;
    }
    const message = type.includes('json') ? await res.json().catch(() => null) : null;
    if (res.ok) {
      say(typeof message === 'string' ? message : 'Signed in.');
      setTimeout(() => window.location.assign('/'), 1200);
      return;
    }
    say((typeof message === 'string' ? message : 'Sign-in failed.') + ' Please try again.', true);
    await refreshState().catch(() => {});
  }

  function onCode(response) {
    if (response.error) {
      say(
        response.error === 'access_denied'
          ? 'Sign-in was cancelled.'
          : 'Google refused the sign-in: ' + response.error,
        true,
      );
      return;
    }
    sendCode(response.code);
  }

  function onError(error) {
    const type = error && error.type;
    if (type === 'popup_failed_to_open')
      say(
        'The sign-in popup was blocked. Allow popups for this site, or use the redirect link below.',
        true,
      );
    else if (type === 'popup_closed')
      say('The sign-in popup was closed before you chose an account.', true);
    else say('Sign-in did not complete. Please try again.', true);
  }

  function client() {
    if (!codeClient) {
      codeClient = window.google.accounts.oauth2.initCodeClient({
        client_id: root.dataset.clientId,
        scope: 'openid email profile',
        ux_mode: 'popup',
        callback: onCode,
        error_callback: onError,
      });
    }
    return codeClient;
  }

  button.addEventListener('click', () => {
    if (!(window.google && window.google.accounts && window.google.accounts.oauth2)) {
      say("Google's sign-in script did not load. Use the redirect link below.", true);
      return;
    }
    say('');
    client().requestCode();
  });
  button.disabled = false;
})();
