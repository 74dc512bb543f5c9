/**
 * The send turn of one channel, owned by its ChannelActor (so exactly one runs per channel in
 * the cluster, one turn at a time). State kept here lives in memory only: the token bucket, the
 * circuit breaker, and the sender holding decrypted credentials (never written to a state store).
 *
 * A turn: refresh the channel if stale → hold if paused → fail over if the circuit is open →
 * take tokens → claim that many due messages (priority first) → send them concurrently →
 * record every outcome in one batch → schedule the next turn.
 */

import { closedBreaker, isOpen, recordOutcomes, type BreakerState } from "../../core/dispatch/circuit-breaker.js";
import { planOutcomes } from "../../core/dispatch/outcome.js";
import {
  block,
  giveBack,
  msUntilToken,
  newBucket,
  take,
  type BucketConfig,
  type TokenBucketState,
} from "../../core/dispatch/token-bucket.js";
import type { ChannelSender, ChannelSnapshot, DispatchPorts } from "./dispatch-ports.js";
import { attemptSend } from "./send-attempt.js";

/** What one turn did, and when the actor should run the next. */
export interface TurnResult {
  claimed: number;
  sent: number;
  held?: "paused" | "disabled" | "missing" | "circuit_open" | "no_tokens";
  /** When the actor should run its next turn (ms from now), or undefined when idle. */
  wakeInMs?: number;
}

const MIN_WAKE_MS = 20;

/** Time for a shared account bucket to refill a quarter of its burst: small batches, no busy loop. */
function sharedRefillMs(limit: { ratePerMinute: number; burst: number }): number {
  const tokens = Math.max(1, Math.floor(limit.burst / 4));
  return Math.ceil((tokens * 60_000) / limit.ratePerMinute);
}

export class ChannelDispatcher {
  private channel?: ChannelSnapshot;
  private sender?: ChannelSender;
  private loadedAt = 0;
  private bucket?: TokenBucketState;
  private breaker: BreakerState = closedBreaker();
  private lastHealthAt = 0;

  constructor(
    private readonly channelId: string,
    private readonly ports: DispatchPorts,
  ) {}

  /** Forget cached channel settings and credentials (the channel was updated). */
  async invalidate(): Promise<void> {
    this.loadedAt = 0;
    await this.sender?.close();
    this.sender = undefined;
  }

  async close(): Promise<void> {
    await this.sender?.close();
    this.sender = undefined;
  }

  private bucketConfig(ch: ChannelSnapshot): BucketConfig {
    return { ratePerMinute: ch.rateLimit, burst: ch.burst ?? Math.max(1, Math.ceil(ch.rateLimit / 60)) };
  }

  private async refresh(now: number): Promise<ChannelSnapshot | undefined> {
    if (this.channel && now - this.loadedAt < this.ports.config.credentialsTtlMs) return this.channel;
    const ch = await this.ports.loadChannel(this.channelId);
    const credentialsChanged = !this.channel || !ch;
    this.channel = ch;
    this.loadedAt = now;
    if (credentialsChanged || !this.sender) {
      await this.sender?.close();
      this.sender = undefined;
    }
    if (ch && !this.bucket) this.bucket = newBucket(this.bucketConfig(ch), now);
    return ch;
  }

  async turn(): Promise<TurnResult> {
    const { ports } = this;
    const now = ports.now();
    const ch = await this.refresh(now);
    if (!ch) return { claimed: 0, sent: 0, held: "missing" };
    if (!ch.isEnabled || ch.status === "disabled") return { claimed: 0, sent: 0, held: "disabled" };
    if (ch.status === "paused") return { claimed: 0, sent: 0, held: "paused" };

    if (isOpen(this.breaker, now)) {
      const moved = await ports.failover(this.channelId, "circuit_open");
      if (moved && moved.moved > 0) {
        ports.log.warn(
          { channelId: this.channelId, to: moved.toChannelId, moved: moved.moved },
          "circuit open: messages failed over",
        );
        await ports.nudge(moved.toChannelId);
      }
      return {
        claimed: 0,
        sent: 0,
        held: "circuit_open",
        wakeInMs: Math.max(MIN_WAKE_MS, this.breaker.openUntil - now),
      };
    }

    const cfg = this.bucketConfig(ch);
    const taken = take(this.bucket!, cfg, now, ports.config.maxBatch);
    this.bucket = taken.state;
    if (taken.granted === 0) {
      ports.metrics.rateLimited(this.channelId);
      return {
        claimed: 0,
        sent: 0,
        held: "no_tokens",
        wakeInMs: Math.max(MIN_WAKE_MS, msUntilToken(this.bucket, cfg, now)),
      };
    }

    // Limits shared with other channels on the same provider account cap this turn further.
    const allowed = ch.providerAccount
      ? await ports.acquireShared(
          ch.providerAccount.scope,
          taken.granted,
          ch.providerAccount.ratePerMinute,
          ch.providerAccount.burst,
        )
      : taken.granted;
    if (allowed === 0) {
      this.bucket = giveBack(this.bucket, cfg, taken.granted);
      ports.metrics.rateLimited(this.channelId);
      return { claimed: 0, sent: 0, held: "no_tokens", wakeInMs: 100 };
    }
    const claimedAll = await ports.claim(this.channelId, allowed, new Date(now));
    if (claimedAll.length < taken.granted) this.bucket = giveBack(this.bucket, cfg, taken.granted - claimedAll.length);
    // The queue ran dry only when the claim found fewer messages than it was allowed to take. A
    // turn cut short by the shared account limit still has a backlog and must come back for it
    // itself: waiting for the sweeper's next nudge would send at a fraction of the account's rate.
    const queueDrained = claimedAll.length < allowed;
    const backlogWakeMs = () =>
      Math.max(
        MIN_WAKE_MS,
        msUntilToken(this.bucket!, cfg, ports.now()),
        allowed < taken.granted && ch.providerAccount ? sharedRefillMs(ch.providerAccount) : 0,
      );
    // The account's quota is counted on what was actually claimed, so it stays exact.
    const withinQuota =
      ch.quota && claimedAll.length > 0
        ? await ports.consumeQuota(ch.accountId, claimedAll.length, ch.quota)
        : claimedAll.length;
    const claimed = claimedAll.slice(0, withinQuota);
    const overQuota = claimedAll.slice(withinQuota);
    if (overQuota.length > 0) {
      await ports.recordClaims(overQuota, new Date(now), this.channelId);
      await ports.applyOutcomes(
        overQuota.map((m) => ({
          id: m.id,
          createdAt: m.createdAt,
          accountId: m.accountId,
          status: "failed" as const,
          errorCode: "quota_exceeded",
          errorMessage: "the account's daily or monthly send quota is used up",
        })),
        new Date(now),
        this.channelId,
      );
      ports.metrics.dispatched(ch.channelType, "failed", overQuota.length);
    }
    if (claimed.length === 0) {
      await this.maybeCheckHealth(ch, now);
      await this.finishDrain(ch);
      // Nothing claimed was within the quota: the rest of the backlog is failed turn by turn too.
      return { claimed: 0, sent: 0, wakeInMs: queueDrained ? await this.wakeForRetries(now) : backlogWakeMs() };
    }
    await ports.recordClaims(claimed, new Date(now), this.channelId);

    this.sender ??= await ports.openSender(this.channelId);
    const sender = this.sender;
    const started = performance.now();
    const attempts = await Promise.all(claimed.map((m) => attemptSend(() => sender.send(m))));
    ports.metrics.dispatchSeconds(ch.channelType, (performance.now() - started) / 1000);

    const done = ports.now();
    const effects = planOutcomes(claimed, attempts, { now: done, maxAttempts: ch.maxAttempts });
    const byId = new Map(claimed.map((m) => [m.id, m]));
    await ports.applyOutcomes(
      effects.outcomes.map((o) => ({ ...o, accountId: byId.get(o.id)!.accountId })),
      new Date(done),
      this.channelId,
    );
    for (const status of ["sent", "queued", "failed"] as const) {
      const n = effects.outcomes.filter((o) => o.status === status).length;
      if (n > 0) ports.metrics.dispatched(ch.channelType, status === "queued" ? "retry" : status, n);
    }
    const unknown = effects.outcomes.filter((o) => o.status === "queued" && o.outcomeUnknown).length;
    if (unknown > 0) ports.metrics.crashWindow(unknown);

    if (effects.throttledUntil !== null) {
      this.bucket = block(this.bucket, done, effects.throttledUntil);
      ports.metrics.rateLimited(this.channelId);
    }
    const wasOpen = this.breaker.consecutiveFailures >= ports.config.breakerThreshold;
    this.breaker = recordOutcomes(
      this.breaker,
      { threshold: ports.config.breakerThreshold, openMs: ports.config.breakerOpenMs },
      done,
      {
        ok: effects.sent,
        retryableFailures: effects.retryableFailures,
      },
    );
    if (isOpen(this.breaker, done) && !wasOpen) {
      await ports.setChannelStatus(this.channelId, "error", "circuit_open: provider failing");
      ports.log.warn({ channelId: this.channelId }, "circuit opened");
    } else if (wasOpen && effects.sent > 0) {
      await ports.setChannelStatus(this.channelId, "active", null);
      ports.log.info({ channelId: this.channelId }, "circuit closed");
    }

    if (queueDrained) await this.finishDrain(ch);
    // More may be waiting: come back as soon as the limits allow another batch.
    const wakeInMs = queueDrained ? await this.wakeForRetries(done) : backlogWakeMs();
    return { claimed: claimed.length, sent: effects.sent, wakeInMs };
  }

  /** A draining channel whose queue is empty comes to rest paused. */
  private async finishDrain(ch: ChannelSnapshot): Promise<void> {
    if (ch.status !== "draining" || (await this.ports.hasQueued(this.channelId))) return;
    await this.ports.setChannelStatus(this.channelId, "paused", "drained");
    this.loadedAt = 0;
  }

  /** Sleep until the earliest retry of this channel becomes due, if any. */
  private async wakeForRetries(now: number): Promise<number | undefined> {
    const next = await this.ports.nextDueAt(this.channelId);
    return next ? Math.max(MIN_WAKE_MS, next.getTime() - now) : undefined;
  }

  private async maybeCheckHealth(ch: ChannelSnapshot, now: number): Promise<void> {
    if (now - this.lastHealthAt < this.ports.config.healthEveryMs) return;
    this.lastHealthAt = now;
    try {
      this.sender ??= await this.ports.openSender(this.channelId);
      const health = await this.sender.checkHealth();
      if (health.status !== "connected" && ch.status === "active") {
        await this.ports.setChannelStatus(this.channelId, "error", `health: ${health.errorMessage ?? health.status}`);
        this.loadedAt = 0;
      } else if (health.status === "connected" && ch.status === "error" && !isOpen(this.breaker, now)) {
        await this.ports.setChannelStatus(this.channelId, "active", null);
        this.loadedAt = 0;
      }
    } catch (err) {
      this.ports.log.warn(
        { channelId: this.channelId, err: err instanceof Error ? err.message : String(err) },
        "health check failed",
      );
    }
  }
}
