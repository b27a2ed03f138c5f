// The last page of a connect opened in a popup (public/connect-popup.js): tell the page that
// opened it, then close. window.opener is gone by now (the popup visited Google, and the
// Cross-Origin-Opener-Policy severs it), so the news goes by a BroadcastChannel, which only
// pages of this same origin can hear.
'use strict';
(() => {
  const box = document.getElementById('connect-done');
  if (!box || !window.BroadcastChannel) return;
  const channel = new window.BroadcastChannel('gconnect-features');
  channel.postMessage({ type: 'gconnect:feature-connect', feature: box.dataset.feature });
  channel.close();
  window.close();
})();
