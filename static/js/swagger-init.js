// Starts Swagger UI on /api/v1/docs (templates/swagger_ui.html) with the settings the page passes along.
(function () {
  "use strict";
  var script = document.currentScript;
  var config = { url: script.dataset.specUrl, dom_id: "#swagger-ui-container" };
  var extra = JSON.parse(script.dataset.config || "{}");
  for (var name in extra) { config[name] = extra[name]; }
  window.addEventListener("load", function () { window.ui = SwaggerUIBundle(config); });
})();
