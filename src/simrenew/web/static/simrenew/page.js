/* Behaviour every audience's pages share, without inline handlers (the Content-Security-Policy runs
   none): a field marked data-submit-on-change sends its form when changed (the language switcher), a
   control marked data-print prints the page. */
(function () {
  "use strict";

  function closest(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }

  document.addEventListener("change", function (event) {
    var field = closest(event.target, "[data-submit-on-change]");
    if (field && field.form) { field.form.submit(); }
  });

  document.addEventListener("click", function (event) {
    if (!closest(event.target, "[data-print]")) { return; }
    event.preventDefault();
    window.print();
  });
})();
