/**
 * Refuses sidecar-facing requests that lack the app token (Dapr sends it as `dapr-api-token`
 * when the sidecar runs with APP_API_TOKEN). Without it, anything that can reach the app port
 * could call actors or inject events (forged receipts and inbound messages for any channel), so
 * a process that serves those routes without a token may only listen on loopback.
 */

import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { RequestHandler } from "express";

function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** Throws (the process does not start) when sidecar routes would be open beyond loopback. */
export function assertSidecarRoutesGuarded(appHost: string, appToken: string | undefined): void {
  if (appToken || isLoopback(appHost)) return;
  throw new Error(
    `APP_API_TOKEN is required when the app listens on ${appHost || "every address"} (APP_HOST): without it anyone who reaches the port can call actors and inject events. Set APP_API_TOKEN (and the sidecar's app token), or listen on 127.0.0.1.`,
  );
}

export function requireAppToken(expected: string | undefined): RequestHandler {
  if (!expected) return (_req, _res, next) => next();
  const want = Buffer.from(expected);
  return (req, res, next) => {
    const got = Buffer.from(String(req.headers["dapr-api-token"] ?? ""));
    if (got.length === want.length && timingSafeEqual(got, want)) return next();
    res.status(401).json({ detail: "missing or wrong dapr-api-token", code: "invalid_app_token" });
  };
}
