// Signing out (or disconnecting) leaves a note for the sign-in page, which then calls Google's
// google.accounts.id.disableAutoSelect(), so One Tap does not sign the user straight back in.
'use strict';
const SIGN_OUT_FORMS =
  'form[action="/logout"], form[action="/gdisconnect"], form[action="/account/delete"]';
document.querySelectorAll(SIGN_OUT_FORMS).forEach((form) => {
  form.addEventListener('submit', () => {
    try {
      window.localStorage.setItem('gconnect.signedOut', '1');
    } catch {
      // Storage blocked: One Tap may offer the account again, but only with a click.
    }
  });
});
