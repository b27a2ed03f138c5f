// The account page's "Turn on": with JavaScript, the connect opens in a popup window and this
// page reloads (showing what happened) when the popup's last page (public/connect-done.js) says
// it is done, on a same-origin BroadcastChannel. Without JavaScript or BroadcastChannel, or with
// popups blocked, the link is followed in this window (the redirect flow).
'use strict';
(() => {
  const links = document.querySelectorAll('a[data-connect-popup]');
  if (links.length === 0 || !window.BroadcastChannel) return;
  new window.BroadcastChannel('gconnect-features').addEventListener('message', (event) => {
    if (event.data && event.data.type === 'gconnect:feature-connect') window.location.reload();
  });
  links.forEach((link) => {
    link.addEventListener('click', (event) => {
      const url = new URL(link.href);
      url.searchParams.set('popup', '1');
      const popup = window.open(url.href, 'gconnect-connect', 'popup,width=520,height=640');
      if (popup) event.preventDefault();
    });
  });
})();
