// Partner portal: "Copy" buttons next to read-only boxes (API keys, feed links, the republish
// snippet). Progressive enhancement: the buttons are hidden in the HTML and shown only when the
// Clipboard API can be used; without it, the box's text is selected so Ctrl/Cmd+C works.
(function () {
  'use strict';

  function select(box) {
    box.focus();
    if (typeof box.select === 'function') box.select();
  }

  function announce(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!status) return;
    status.textContent = text;
    window.setTimeout(function () {
      if (status.textContent === text) status.textContent = '';
    }, 4000);
  }

  function init() {
    var canCopy = !!(navigator.clipboard && typeof navigator.clipboard.writeText === 'function' && window.isSecureContext);
    var buttons = document.querySelectorAll('button[data-copy-target]');
    Array.prototype.forEach.call(buttons, function (button) {
      var id = button.getAttribute('data-copy-target');
      var box = document.getElementById(id);
      if (!box) return;
      button.hidden = false;
      if (!canCopy) button.textContent = 'Select';
      button.addEventListener('click', function () {
        if (!canCopy) {
          select(box);
          announce(id, 'Selected: press Ctrl+C (or ⌘C) to copy.');
          return;
        }
        navigator.clipboard.writeText(box.value).then(
          function () {
            announce(id, 'Copied to the clipboard.');
          },
          function () {
            select(box);
            announce(id, 'Could not copy automatically: the text is selected, press Ctrl+C (or ⌘C).');
          }
        );
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
