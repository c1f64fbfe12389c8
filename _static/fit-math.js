// On narrow screens (phones), shrink a display equation that is wider than the
// text column until it fits, instead of making the reader scroll it sideways.
(function () {
  function fit() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (el) {
      el.style.zoom = '';
      var need = el.scrollWidth, avail = el.clientWidth;
      if (avail > 0 && need > avail + 1) {
        el.style.zoom = Math.max(0.4, Math.floor(100 * avail / need) / 100);
      }
    });
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fit);
    } else {
      setTimeout(whenTypeset, 100);
    }
  }
  window.addEventListener('load', whenTypeset);
  window.addEventListener('resize', fit);
})();
