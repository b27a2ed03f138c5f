// Absolute dates are rendered in UTC by the server (it cannot know the reader's time zone);
// this rewrites them to the browser's zone, in the page's language. Relative ones stay.
(() => {
  const lang = document.documentElement.lang || undefined;
  const format = new Intl.DateTimeFormat(lang, {
    dateStyle: 'medium',
    timeStyle: 'short', // in the browser's own zone (dateStyle cannot be combined with timeZoneName)
  });
  for (const time of document.querySelectorAll('time[data-style="absolute"]')) {
    const at = new Date(time.getAttribute('datetime') ?? '');
    if (!Number.isNaN(at.getTime())) time.textContent = format.format(at);
  }
})();
