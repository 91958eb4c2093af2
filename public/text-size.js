// Story text-size control. The buttons are rendered hidden (they need this script) and are
// shown once wired. The choice is stored in localStorage and applied before first paint on
// later visits by site-text-size-init.js.
(function () {
  'use strict';
  var KEY = 'freewire:text-size';
  var root = document.documentElement;

  function current() {
    return root.getAttribute('data-text-size') || 'medium';
  }

  function choose(size) {
    if (size === 'medium') root.removeAttribute('data-text-size');
    else root.setAttribute('data-text-size', size);
    try {
      if (size === 'medium') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, size);
    } catch (e) {
      // Storage can be disabled (private browsing, strict settings): the size still applies to this page.
    }
  }

  function init() {
    var groups = document.querySelectorAll('.text-size');
    Array.prototype.forEach.call(groups, function (group) {
      var buttons = group.querySelectorAll('button[data-text-size]');
      function sync() {
        var size = current();
        Array.prototype.forEach.call(buttons, function (b) {
          b.setAttribute('aria-pressed', String(b.getAttribute('data-text-size') === size));
        });
      }
      Array.prototype.forEach.call(buttons, function (b) {
        b.addEventListener('click', function () {
          choose(b.getAttribute('data-text-size'));
          sync();
        });
      });
      sync();
      group.hidden = false;
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
