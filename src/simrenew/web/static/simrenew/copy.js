/* Copy buttons (data-copy="text to copy", data-copied="what to announce"): hidden until this script
   finds a clipboard to write to; without it the text beside them stays there to select by hand. */
(function () {
  "use strict";

  function announce(button, text) {
    var section = button.closest("section") || document;
    var status = section.querySelector(".copy-status");
    if (status) { status.textContent = text; }
    button.classList.add("copied");
    window.setTimeout(function () { button.classList.remove("copied"); }, 2000);
  }

  function init() {
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          announce(button, button.getAttribute("data-copied") || "");
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
