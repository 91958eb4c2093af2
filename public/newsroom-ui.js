/*
 * Small enhancements for every newsroom page. Everything works without this file:
 * times then read in UTC (and say so), which is what the server renders.
 */
(function () {
  'use strict';

  // Show times in the reader's own zone; the UTC text stays available as a tooltip.
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch (e) {
    format = null;
  }
  if (format) {
    document.querySelectorAll('time[data-local]').forEach(function (el) {
      var d = new Date(el.getAttribute('datetime'));
      if (isNaN(d.getTime())) return;
      el.title = el.textContent;
      el.textContent = format.format(d);
    });
  }

  // A freshly created API token is selected on focus so it can be copied in one go.
  document.querySelectorAll('[data-select-on-focus]').forEach(function (el) {
    el.addEventListener('focus', function () {
      el.select();
    });
  });

  // After a failed submit, move focus to the error summary so screen readers announce it and
  // keyboard users land on the links to each field.
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
