/**
 * Per-account API rate limit: a sliding-window counter kept in PostgreSQL so every
 * replica counts against the same limit (reconciled every API_RATE_SYNC_MS, see SharedCounter).
 * Every response carries X-RateLimit-*; a refused one is a 429 with Retry-After. If the counter
 * cannot be reached the request goes through (fail open: a limiter outage must not stop the API),
 * and the failure is logged and counted in turumba_rate_limiter_errors_total so an alert can see it.
 *
 * A bucket is the principal's sorted account ids, hashed: the plain list of 7 or more UUIDs did
 * not fit the bucket column, so every request of such a principal failed open.
 */

import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { AppError } from "../../../core/errors.js";
import { decide } from "../../../db/accounts/rate-limits.js";
import type { Ctx } from "../context.js";
import { principalOf } from "./route.js";
import { SharedCounter } from "./shared-counter.js";
import { rateLimiterErrors } from "../../metrics.js";

/** One fixed-length key per set of accounts (the order they are listed in does not matter). */
export function bucketKey(accountIds: readonly string[]): string {
  const digest = createHash("sha256")
    .update([...accountIds].sort().join(","))
    .digest("base64url");
  return `acct:${digest}`;
}

export function rateLimit(ctx: Ctx): RequestHandler {
  const limit = ctx.config.API_RATE_LIMIT;
  const windowMs = ctx.config.API_RATE_WINDOW_SECONDS * 1000;
  const counter = new SharedCounter(ctx.db.orm, windowMs, ctx.config.API_RATE_SYNC_MS, ctx.logger);
  return async (_req, res, next) => {
    if (limit === 0) return next();
    const principal = principalOf(res);
    const bucket = bucketKey(principal.accountIds);
    const now = ctx.clock();
    let decision;
    try {
      decision = decide(await counter.hit(bucket, now), now, windowMs, limit);
    } catch (err) {
      rateLimiterErrors.inc();
      ctx.logger.warn({ err }, "rate-limit counter unavailable; letting the request through");
      return next();
    }
    res.setHeader("X-RateLimit-Limit", String(decision.limit));
    res.setHeader("X-RateLimit-Remaining", String(decision.remaining));
    res.setHeader("X-RateLimit-Reset", String(decision.resetSeconds));
    if (!decision.allowed) {
      for (const account of principal.accountIds) ctx.rateLimitHits.record(account, now);
      res.setHeader("Retry-After", String(decision.retryAfterSeconds));
      throw new AppError(
        429,
        "rate_limited",
        `too many requests: the limit is ${limit} per ${ctx.config.API_RATE_WINDOW_SECONDS} s for this account`,
      );
    }
    next();
  };
}
