// The API reference, from the vendored Swagger UI (no CDN, no inline script).
window.addEventListener("DOMContentLoaded", function () {
  SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger", deepLinking: true });
});
