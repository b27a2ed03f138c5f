// The account page's "Turn on": with JavaScript, the connect opens in a popup window and this
// page reloads (showing what happened) when the popup's last page says it is done. Without
// JavaScript, or with popups blocked, the link is followed in this window (the redirect flow).
'use strict';
(() => {
  const links = document.querySelectorAll('a[data-connect-popup]');
  if (links.length === 0) return;
  let reloading = false;
  const done = (data) => {
    if (reloading || !data || data.type !== 'gconnect:feature-connect') return;
    reloading = true;
    window.location.reload();
  };
  window.addEventListener('message', (event) => {
    // Only this site's own pages are listened to.
    if (event.origin === window.location.origin) done(event.data);
  });
  if ('BroadcastChannel' in window) {
    new BroadcastChannel('gconnect-features').addEventListener('message', (event) =>
      done(event.data),
    );
  }
  links.forEach((link) => {
    link.addEventListener('click', (event) => {
      const url = new URL(link.href);
      url.searchParams.set('popup', '1');
      const popup = window.open(url.href, 'gconnect-connect', 'popup,width=520,height=640');
      if (popup) event.preventDefault();
    });
  });
})();
