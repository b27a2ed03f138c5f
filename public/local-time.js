// Absolute dates are rendered in UTC by the server (it cannot know the reader's time zone);
// this rewrites them to the browser's zone, in the page's language. Relative ones stay.
(() => {
  const lang = document.documentElement.lang || undefined;
  // dateStyle/timeStyle cannot be combined with timeZoneName (a TypeError): the fields instead.
  const format = new Intl.DateTimeFormat(lang, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  for (const time of document.querySelectorAll('time[data-style="absolute"]')) {
    const at = new Date(time.getAttribute('datetime') ?? '');
    if (!Number.isNaN(at.getTime())) time.textContent = format.format(at);
  }
})();
