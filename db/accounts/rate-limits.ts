/**
 * Sliding-window counter: one row per bucket and fixed window in a table every API
 * replica shares, so a client spread over replicas meets one limit. The estimate weighs the
 * previous window by how much of it still overlaps the sliding window.
 */

import { sql } from "drizzle-orm";
import type { Orm } from "../client.js";
import { apiRateLimits } from "../schema.js";

export interface WindowCounts {
  current: number;
  previous: number;
  windowStart: Date;
}

/** Adds `hits` (default 1) to the bucket's current window and returns both windows' totals. */
export async function hitRateLimit(
  orm: Orm,
  bucket: string,
  now: Date,
  windowMs: number,
  hits = 1,
): Promise<WindowCounts> {
  const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const prev = new Date(start.getTime() - windowMs);
  const t = apiRateLimits;
  const result = await orm.execute(sql`
    WITH cur AS (
      INSERT INTO ${t} (bucket, window_start, count) VALUES (${bucket}, ${start.toISOString()}::timestamptz, ${hits}::int)
      ON CONFLICT (bucket, window_start) DO UPDATE SET count = ${t}.count + EXCLUDED.count
      RETURNING count
    )
    SELECT (SELECT count FROM cur) AS current,
           COALESCE((SELECT count FROM ${t} WHERE bucket = ${bucket} AND window_start = ${prev.toISOString()}::timestamptz), 0) AS previous`);
  const row = (result as { rows: { current: number | string; previous: number | string }[] }).rows[0]!;
  return { current: Number(row.current), previous: Number(row.previous), windowStart: start };
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current fixed window ends. */
  resetSeconds: number;
  /** Seconds until a request would be allowed again (only when refused). */
  retryAfterSeconds: number;
}

export function decide(counts: WindowCounts, now: Date, windowMs: number, limit: number): RateDecision {
  const elapsed = now.getTime() - counts.windowStart.getTime();
  const overlap = 1 - elapsed / windowMs;
  const estimate = counts.previous * overlap + counts.current;
  const allowed = estimate <= limit;
  const resetSeconds = Math.max(1, Math.ceil((windowMs - elapsed) / 1000));
  let retryMs = 0;
  if (!allowed) {
    if (counts.current >= limit) {
      // This window alone is over: wait for it to end and for enough of it to slide out.
      retryMs = windowMs - elapsed + windowMs * (1 - limit / (counts.current + 1));
    } else {
      // The previous window's share must fall below what is left: solve prev*(1 - (e+t)/W) + cur < limit.
      retryMs = windowMs * (1 - (limit - counts.current) / counts.previous) - elapsed;
    }
  }
  return {
    allowed,
    limit,
    remaining: Math.max(0, Math.floor(limit - estimate)),
    resetSeconds,
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
  };
}
