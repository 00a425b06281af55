/* Kiosk behaviour, no dependencies: the on-screen keypad, larger text on request, and back to the start
   screen after an idle minute. */
(function () {
  "use strict";
  var body = document.body;
  var resetUrl = body.getAttribute("data-reset-url");
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "60", 10);
  var timer = null;

  // Larger text: a button on every screen; the choice lasts until the kiosk goes back to the start
  // screen on its own (the customer has left), kept in sessionStorage between screens.
  var LARGE = "simrenew-kiosk-large-text";
  var root = document.documentElement;
  function storage() {
    try { return window.sessionStorage; } catch (error) { return null; }
  }
  function forgetLargeText() {
    var store = storage();
    if (store) { store.removeItem(LARGE); }
  }
  function showLargeText(on) {
    root.classList.toggle("kiosk-large-text", on);
    Array.prototype.forEach.call(document.querySelectorAll("[data-large-text]"), function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  var store = storage();
  showLargeText(!!store && store.getItem(LARGE) === "1");
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-large-text]");
    if (!button) { return; }
    var on = !root.classList.contains("kiosk-large-text");
    showLargeText(on);
    var saved = storage();
    if (saved) { if (on) { saved.setItem(LARGE, "1"); } else { saved.removeItem(LARGE); } }
  });

  function arm() {
    if (!resetUrl) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () {
      forgetLargeText();  // the next customer starts with the usual size
      window.location.replace(resetUrl);
    }, idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true });
  });
  arm();

  Array.prototype.forEach.call(document.querySelectorAll("[data-keypad]"), function (pad) {
    var input = document.getElementById(pad.getAttribute("data-keypad"));
    if (!input) { return; }
    pad.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-key]");
      if (!button) { return; }
      event.preventDefault();
      var key = button.getAttribute("data-key");
      var max = input.maxLength > 0 ? input.maxLength : 32;
      if (key === "back") { input.value = input.value.slice(0, -1); }
      else if (key === "clear") { input.value = ""; }
      else if (input.value.length < max) { input.value += key; }
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.focus({ preventScroll: true });
    });
  });

  // A payment button is pressed once: a double tap must not send the form twice.
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function (event) {
      var pressed = event.submitter;
      if (pressed && pressed.name === "finish") {
        setTimeout(function () { pressed.disabled = true; }, 0);
      }
    });
  });

  // Cash from a note validator: its device service records each note; the page shows that total,
  // polling for it, and a note taken counts as the customer being there.
  Array.prototype.forEach.call(document.querySelectorAll("[data-cash-status]"), function (box) {
    var url = box.getAttribute("data-cash-status");
    var seen = null;
    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (!data.open) { window.location.reload(); return; }
          box.innerHTML = data.status;
          Array.prototype.forEach.call(document.querySelectorAll("[data-cash-finish]"), function (button) {
            button.disabled = !data.can_finish;
          });
          if (data.inserted_amount > 0) {
            Array.prototype.forEach.call(document.querySelectorAll("[data-cash-cancel]"), function (button) {
              button.remove();
            });
          }
          if (seen !== null && data.inserted_amount !== seen) { arm(); }
          seen = data.inserted_amount;
        })
        .catch(function () {})
        .then(function () { setTimeout(refresh, 1500); });
    }
    refresh();
  });
})();
