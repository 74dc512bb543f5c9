/**
 * The script that starts the renderer in the browser, served as its own file (/docs/init.js):
 * the pages' Content-Security-Policy allows scripts from the API's origin only, never inline.
 * It runs in the browser, so it is plain JavaScript kept as text here, where the build and the
 * image carry it without copying assets beside the compiled code.
 */

export const INIT_SCRIPT = `"use strict";
window.addEventListener("load", function () {
  window.ui = window.SwaggerUIBundle({
    url: "/v1/openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    displayOperationId: true,
    // The default validator badge sends the document to a public service: deployments may be
    // offline and the document stays on this origin.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;
