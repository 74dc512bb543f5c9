/**
 * The API reference pages at /docs: Swagger UI (swagger-ui-dist, a production dependency so the
 * image carries it) rendering the same /v1/openapi.json the API serves. Every asset comes from
 * node_modules on this origin, never a CDN, because deployments may have no internet. The pages'
 * Content-Security-Policy allows what the renderer needs and nothing more: scripts, styles, images
 * and fetches from this origin, plus data: images (the stylesheet's icons are data: URIs).
 */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Router, type Response } from "express";
import { INIT_SCRIPT } from "./browser-script.js";

/**
 * No 'unsafe-inline' anywhere: the page has no inline script or style, and Swagger UI sets its
 * element styles through the DOM (element.style), which CSP does not govern. Measured with
 * Chromium on every operation and model expanded: no violation reported under this policy.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The renderer's files the page loads, by the name it is served under. */
const ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Turumba Messaging API reference</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="reference"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

const rendererDir = () => dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

function send(res: Response, type: string, body: string): void {
  res.setHeader("Content-Security-Policy", DOCS_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.type(type).send(body);
}

/** Mounted at /docs; public like the document it renders. */
export function referencePages(): Router {
  const dir = rendererDir();
  const router = Router();
  router.get("/", (_req, res) => send(res, "text/html; charset=utf-8", PAGE));
  router.get("/init.js", (_req, res) => send(res, "text/javascript; charset=utf-8", INIT_SCRIPT));
  router.get("/assets/:name", (req, res, next) => {
    const type = ASSETS[req.params.name];
    if (!type) return next();
    res.setHeader("Content-Security-Policy", DOCS_CSP);
    res.setHeader("X-Content-Type-Options", "nosniff");
    // The file names carry no version, so a cache may keep them only for a while (an hour).
    res.setHeader("Cache-Control", "public, max-age=3600");
    res.type(type).sendFile(join(dir, req.params.name), (err) => err && next(err));
  });
  return router;
}
