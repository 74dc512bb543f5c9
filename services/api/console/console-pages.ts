/**
 * The console (console/, a React single-page app) at /console, served from its build folder
 * (CONSOLE_DIR, made by scripts/build-console.sh; never committed). Assets have content hashes in
 * their names, so they may be cached for a year; the page itself is never cached, so a new build
 * is picked up at once. Every path under /console that is not an asset answers the page, and the
 * app's router shows the view the path names.
 *
 * The Content-Security-Policy allows scripts, styles, images, fonts and fetches from this origin
 * only and no 'unsafe-inline': the build inlines nothing (no module-preload polyfill, no inlined
 * assets) and React sets element styles through the DOM, which CSP does not govern. The
 * credential travels in request headers, so connect-src 'self' is all the API calls need.
 */

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Router, type Response } from "express";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

function secure(res: Response): void {
  res.setHeader("Content-Security-Policy", CONSOLE_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Frame-Options", "DENY");
}

/** Mounted at /console; public like /docs: the page holds no data, every call it makes is authenticated. */
export function consolePages(dir: string): Router {
  const root = resolve(dir);
  const router = Router();
  let page: string | undefined;
  const indexHtml = () => {
    if (page !== undefined) return page;
    const file = join(root, "index.html");
    if (!existsSync(file)) return undefined;
    // Read once per process: a rebuild is picked up by a restart, as the assets it names are.
    page = readFileSync(file, "utf8");
    return page;
  };

  router.get("/assets/:name", (req, res, next) => {
    const name = req.params.name;
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    if (!type || name.includes("..") || name.includes("/")) return next();
    secure(res);
    res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
    // Relative to its folder: the build folder's own path has a dot directory (.build), which
    // sendFile refuses in an absolute path.
    res.type(type).sendFile(name, { root: join(root, "assets") }, (err) => {
      if (err && !res.headersSent) res.status(404).type("text/plain").send("no such asset");
    });
  });
  router.get("/{*path}", (req, res) => {
    // /console without the slash: relative asset paths and the router's base need /console/.
    if (req.originalUrl === "/console") return res.redirect(301, "/console/");
    const html = indexHtml();
    secure(res);
    if (html === undefined) {
      res.status(503).type("text/plain").send("The console is not built: run `npm run build:console`.\n");
      return;
    }
    res.type("text/html; charset=utf-8").send(html);
  });
  return router;
}
