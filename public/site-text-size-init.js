// Runs in <head> before the page paints: applies the reader's remembered text size (see text-size.js).
(function () {
  try {
    var size = localStorage.getItem('freewire:text-size');
    if (size === 'small' || size === 'large') document.documentElement.setAttribute('data-text-size', size);
  } catch (e) {
    // No storage: the default size is used.
  }
})();
