/* Starts Swagger UI on /api/docs from the settings the page carries (no inline script: the CSP runs only
   our own files). Sends the CSRF token when the API's authentication asks for it. */
(function () {
  "use strict";
  var page = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  if (page.apiCsrf && page.csrfToken) {
    config.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = page.csrfToken;
      return request;
    };
  }
  window.ui = SwaggerUIBundle(config);
})();
