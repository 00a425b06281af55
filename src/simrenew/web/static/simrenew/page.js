/* Behaviour every audience's pages share, without inline handlers (the Content-Security-Policy runs
   none): a field marked data-submit-on-change sends its form when changed (the language switcher), a
   control marked data-print prints the page, and a price shown in a form (data-priced) hides as soon
   as a choice of that form changes: its confirm button was for the choice priced (the server refuses a
   confirm for another one, and shows the new price). */
(function () {
  "use strict";

  function closest(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }

  document.addEventListener("change", function (event) {
    var field = closest(event.target, "[data-submit-on-change]");
    if (field && field.form) { field.form.submit(); }
  });

  function hideStalePrice(event) {
    var form = event.target && event.target.form;
    var priced = form ? form.querySelector("[data-priced]") : null;
    if (priced && !priced.contains(event.target)) { priced.hidden = true; }
  }
  document.addEventListener("change", hideStalePrice);
  document.addEventListener("input", hideStalePrice);

  document.addEventListener("click", function (event) {
    if (!closest(event.target, "[data-print]")) { return; }
    event.preventDefault();
    window.print();
  });
})();
