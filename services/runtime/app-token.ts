/**
 * Refuses sidecar-facing requests that lack the app token (Dapr sends it as `dapr-api-token`
 * when the sidecar runs with APP_API_TOKEN). Without it, anything that can reach the app port
 * could call actors or inject events.
 */

import { timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

export function requireAppToken(expected: string | undefined): RequestHandler {
  if (!expected) return (_req, _res, next) => next();
  const want = Buffer.from(expected);
  return (req, res, next) => {
    const got = Buffer.from(String(req.headers["dapr-api-token"] ?? ""));
    if (got.length === want.length && timingSafeEqual(got, want)) return next();
    res.status(401).json({ detail: "missing or wrong dapr-api-token", code: "invalid_app_token" });
  };
}
