/**
 * CORS for browser clients: an origin on the configured list (API_CORS_ORIGINS, exact match, or
 * `*`) gets Access-Control-Allow-Origin on every answer, and its preflight (OPTIONS with
 * Access-Control-Request-Method) is answered 204 here, before authentication, with the methods
 * and request headers the API takes. Other origins get no CORS headers, so the browser refuses
 * the response. Credentials (cookies) stay off unless API_CORS_CREDENTIALS is set.
 *
 * A dozen lines of our own rather than the `cors` package: the rules are an exact allow-list and
 * one fixed header set, the behaviour is tested here, and it adds no dependency to the API.
 */

import type { RequestHandler } from "express";

const METHODS = "GET, POST, PATCH, DELETE";
const ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-API-Key, traceparent";
const EXPOSED_HEADERS =
  "Location, Retry-After, X-Trace-Id, Idempotent-Replayed, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";

export function cors(opts: {
  origins: readonly string[];
  credentials: boolean;
  maxAgeSeconds: number;
}): RequestHandler {
  const any = opts.origins.includes("*");
  const allowed = new Set(opts.origins);
  return (req, res, next) => {
    const origin = req.header("origin");
    // The answer depends on the origin unless it is `*` for everyone: caches must keep them apart.
    if (!any || opts.credentials) res.append("Vary", "Origin");
    if (!origin || (!any && !allowed.has(origin))) return next();
    res.setHeader("Access-Control-Allow-Origin", any && !opts.credentials ? "*" : origin);
    if (opts.credentials) res.setHeader("Access-Control-Allow-Credentials", "true");
    if (req.method === "OPTIONS" && req.header("access-control-request-method")) {
      res.setHeader("Access-Control-Allow-Methods", METHODS);
      res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      res.setHeader("Access-Control-Max-Age", String(opts.maxAgeSeconds));
      res.status(204).end();
      return;
    }
    res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    next();
  };
}
