// The sign-in page's Google button and One Tap (Google Identity Services' google.accounts.id):
// Google hands the page an ID token (the credential), which goes to POST /auth/google/credential
// — as JSON with the page's state (ux_mode popup), or posted by Google as a form (ux_mode
// redirect, to login_uri). Loaded after login.js, whose sendSignIn it uses.
'use strict';
(function () {
  const root = document.getElementById('signin');
  const holder = document.getElementById('gsi-button');
  const gsiScript = document.getElementById('gsi-client');
  // Set by sign-out.js when the user signs out; see ready().
  const SIGNED_OUT_KEY = 'gconnect.signedOut';

  function gsiLoaded() {
    return Boolean(window.google && window.google.accounts && window.google.accounts.id);
  }

  function onCredential(response) {
    window.gconnectSignIn.send(
      '/auth/google/credential',
      'application/json',
      JSON.stringify({ credential: response.credential, select_by: response.select_by }),
    );
  }

  // Called again with the fresh nonce after each attempt (login.js fires gconnect:refreshed).
  function initialize() {
    const redirect = root.dataset.gsiUxMode === 'redirect';
    const delivery = redirect
      ? { ux_mode: 'redirect', login_uri: new URL(root.dataset.loginUri, location.href).href }
      : { ux_mode: 'popup', callback: onCredential };
    window.google.accounts.id.initialize(
      Object.assign(
        {
          client_id: root.dataset.clientId,
          nonce: root.dataset.nonce,
          auto_select: root.dataset.autoSelect === 'on',
          cancel_on_tap_outside: true,
          context: 'signin',
          // One Tap and the button through the browser's FedCM, as Google now requires.
          use_fedcm_for_prompt: true,
          use_fedcm_for_button: true,
          itp_support: true,
        },
        // The same hd and login_hint as the popup's (login.js).
        window.gconnectSignIn.hints(),
        delivery,
      ),
    );
  }

  function signedOutJustNow() {
    try {
      const flagged = window.localStorage.getItem(SIGNED_OUT_KEY) === '1';
      window.localStorage.removeItem(SIGNED_OUT_KEY);
      return flagged;
    } catch {
      return false; // storage blocked: no flag could have been set either
    }
  }

  function ready() {
    initialize();
    // Google's own button only when configured (GSI_BUTTON=on); One Tap works without it.
    if (holder) renderButton();
    // After sign-out, One Tap must not sign the same user straight back in (Google's advice).
    if (signedOutJustNow()) window.google.accounts.id.disableAutoSelect();
    if (root.dataset.oneTap === 'on') window.google.accounts.id.prompt();
  }

  function renderButton() {
    window.google.accounts.id.renderButton(holder, {
      type: 'standard',
      theme: 'outline',
      size: 'large',
      text: 'continue_with',
      shape: 'rectangular',
      logo_alignment: 'left',
    });
  }

  root.addEventListener('gconnect:refreshed', () => {
    if (gsiLoaded()) initialize();
  });
  // login.js reports a script that never loaded; here there is only the button to add.
  if (gsiLoaded()) ready();
  else gsiScript.addEventListener('load', () => gsiLoaded() && ready());
})();
