// Swagger UI for this worker's /openapi.json, from a file: the page's policy runs no inline script.
// validatorUrl null, or Swagger UI would send the document to swagger.io to check it.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  validatorUrl: null,
});
