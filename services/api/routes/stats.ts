/**
 * The overview's figures for the caller's accounts: one sample as JSON, or a server-sent events
 * stream of samples (one every API_STATS_INTERVAL_SECONDS while the figures change) for a live
 * dashboard. Aggregation happens in the database with capped scans (db/stats), so a sample costs
 * the same however many messages the account has; streams share the account's stream slots and
 * maximum lifetime with the campaign progress streams.
 */

import { AppError } from "../../../core/errors.js";
import { accountStats } from "../../../db/stats/account-stats.js";
import type { Ctx } from "../context.js";
import type { Principal } from "../auth/principal.js";
import { defineRoute, type AnyRoute } from "../http/route.js";
import { errorResponses } from "../schemas/common.js";
import { statsJson, statsOut, type StatsJson } from "../schemas/stats.js";
import { streamProgress } from "../../http/sse.js";

/** Rates are averaged over a minute: long enough to smooth a token bucket's bursts, short enough to follow a campaign. */
export const STATS_RATE_SECONDS = 60;
/** Delivery and failure rates look at the last quarter hour, so receipts that arrive minutes late still count. */
export const STATS_OUTCOME_SECONDS = 900;
const MAX_CHANNELS = 50;

async function sample(ctx: Ctx, principal: Principal): Promise<StatsJson> {
  const now = ctx.clock();
  const stats = await accountStats(ctx.db, principal.accountIds, now, {
    rateSeconds: STATS_RATE_SECONDS,
    outcomeSeconds: STATS_OUTCOME_SECONDS,
    maxRows: ctx.config.API_STATS_MAX_ROWS,
    maxChannels: MAX_CHANNELS,
  });
  return statsJson(stats, {
    now,
    rateSeconds: STATS_RATE_SECONDS,
    outcomeSeconds: STATS_OUTCOME_SECONDS,
    rateLimitHits: ctx.rateLimitHits.count(principal.accountIds, now),
  });
}

const tag = "stats";

export const statsRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/stats",
    operationId: "getStats",
    summary: "The overview's figures: throughput by channel type, backlog per channel, delivery and failure rates",
    tag,
    permission: "read",
    responses: { 200: { description: "One sample", schema: statsOut }, ...errorResponses },
    async handler({ principal, ctx }) {
      return { status: 200, body: await sample(ctx, principal) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/stats/events",
    operationId: "streamStats",
    summary: "Server-sent events: a `stats` event with a new sample whenever the figures change",
    tag,
    permission: "read",
    responses: {
      200: { description: "text/event-stream of `stats` events (data: a Stats sample)" },
      ...errorResponses,
    },
    async handler({ principal, ctx, req, res }) {
      const key = [...principal.accountIds].sort().join(",");
      const release = ctx.streams.acquire(key);
      if (!release) {
        res.setHeader("Retry-After", "30");
        throw new AppError(
          429,
          "too_many_streams",
          `an account may hold at most ${ctx.config.API_SSE_MAX_STREAMS_PER_ACCOUNT} streams at once; close one first`,
        );
      }
      try {
        await streamProgress({
          req,
          res,
          event: "stats",
          load: () => sample(ctx, principal),
          // generated_at changes every sample; an event is sent only when a figure does.
          serialize: ({ generated_at: _at, ...figures }) => figures,
          isFinal: () => false,
          intervalMs: ctx.config.API_STATS_INTERVAL_SECONDS * 1000,
          maxLifetimeMs: ctx.config.API_SSE_MAX_LIFETIME_SECONDS * 1000,
        });
      } finally {
        release();
      }
      return { status: 200 };
    },
  }),
];
