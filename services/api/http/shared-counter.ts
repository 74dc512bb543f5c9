/**
 * The per-account counters live in PostgreSQL so every replica meets the same limit. Writing
 * the shared row on every request would double the database round trips of a read, so each
 * replica counts locally and reconciles with the shared row at most every `syncMs`: a request
 * that finds its bucket's totals older than that (or a new window) waits for a sync that adds
 * the local hits and reads the totals back; the others are decided on the last totals plus the
 * local hits since, while a background flush writes them. Other replicas' hits are seen at most
 * `syncMs` late, so a client spread over R replicas may pass the limit by about
 * (R-1) × its rate × syncMs. With syncMs = 0 every request reads and writes the shared row.
 */

import type { Logger } from "../../../core/logger.js";
import type { Orm } from "../../../db/client.js";
import { hitRateLimit, type WindowCounts } from "../../../db/accounts/rate-limits.js";

interface BucketState {
  windowStart: number;
  shared: WindowCounts;
  /** Local hits not yet written. */
  pending: number;
  /** Local hits being written by a background flush. */
  inflight: number;
  syncedAt: number;
  flushScheduled: boolean;
}

export class SharedCounter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    private readonly orm: Orm,
    private readonly windowMs: number,
    private readonly syncMs: number,
    private readonly log: Logger,
    private readonly maxBuckets = 50_000,
  ) {}

  /** Counts one hit and returns the totals to decide on. */
  async hit(bucket: string, now: Date): Promise<WindowCounts> {
    const windowStart = Math.floor(now.getTime() / this.windowMs) * this.windowMs;
    let state = this.buckets.get(bucket);
    if (state && state.windowStart !== windowStart) {
      // The window rolled over: what is still local belongs to the old one.
      if (state.pending > 0) this.write(bucket, state.windowStart, state.pending);
      state = undefined;
    }
    if (!state || now.getTime() - state.syncedAt >= this.syncMs) {
      const carry = state?.pending ?? 0;
      if (state) state.pending = 0;
      let shared: WindowCounts;
      try {
        shared = await hitRateLimit(this.orm, bucket, now, this.windowMs, carry + 1);
      } catch (err) {
        if (state) state.pending += carry;
        throw err;
      }
      if (!state) {
        if (this.buckets.size >= this.maxBuckets) this.buckets.clear();
        state = { windowStart, shared, pending: 0, inflight: 0, syncedAt: now.getTime(), flushScheduled: false };
        this.buckets.set(bucket, state);
      } else {
        state.shared = shared;
        state.syncedAt = now.getTime();
      }
      return { ...shared, current: shared.current + state.pending + state.inflight };
    }
    state.pending++;
    this.scheduleFlush(bucket, state);
    return { ...state.shared, current: state.shared.current + state.pending + state.inflight };
  }

  private scheduleFlush(bucket: string, state: BucketState): void {
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    setTimeout(() => {
      state.flushScheduled = false;
      const hits = state.pending;
      if (hits === 0) return;
      state.pending = 0;
      state.inflight += hits;
      hitRateLimit(this.orm, bucket, new Date(state.windowStart), this.windowMs, hits).then(
        (shared) => {
          state.inflight -= hits;
          state.shared = shared;
        },
        (err: unknown) => {
          state.inflight -= hits;
          state.pending += hits;
          this.log.warn({ err, bucket }, "rate-limit flush failed; the hits stay counted locally");
        },
      );
    }, this.syncMs).unref();
  }

  private write(bucket: string, windowStart: number, hits: number): void {
    hitRateLimit(this.orm, bucket, new Date(windowStart), this.windowMs, hits).catch((err: unknown) => {
      this.log.warn({ err, bucket }, "rate-limit flush failed");
    });
  }
}
