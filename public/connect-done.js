// The last page of a connect opened in a popup (public/connect-popup.js): tell the page that
// opened it, on this origin only, then close. The opener is usually gone by now (the popup
// visited Google, and the Cross-Origin-Opener-Policy severs it), so a same-origin
// BroadcastChannel carries the news too.
'use strict';
(() => {
  const box = document.getElementById('connect-done');
  if (!box) return;
  const message = { type: 'gconnect:feature-connect', feature: box.dataset.feature };
  try {
    if (window.opener) window.opener.postMessage(message, window.location.origin);
  } catch {
    // An opener on another origin: it is not told.
  }
  if ('BroadcastChannel' in window) {
    const channel = new BroadcastChannel('gconnect-features');
    channel.postMessage(message);
    channel.close();
  }
  window.close();
})();
