// The card terminal waiting page: ask our status URL every two seconds; when the payment is over,
// open the page that tells how it ended. Without JavaScript the page refreshes itself (<noscript>).
(function () {
  "use strict";
  var box = document.querySelector("[data-terminal-status]");
  if (!box) return;
  var url = box.getAttribute("data-terminal-status");
  function ask() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.done) { window.location.assign(data.url); return; }
        window.setTimeout(ask, 2000);
      })
      .catch(function () { window.setTimeout(ask, 4000); });
  }
  window.setTimeout(ask, 2000);
})();
