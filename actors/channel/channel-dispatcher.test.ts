import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { SendError } from "../../core/dispatch/send-error.js";
import type { MessageOutcome } from "../../core/dispatch/outcome.js";
import { newBucket, take, type TokenBucketState } from "../../core/dispatch/token-bucket.js";
import { ChannelDispatcher } from "./channel-dispatcher.js";
import type { ChannelSnapshot, ClaimedMessage, DispatchPorts } from "./dispatch-ports.js";

/**
 * The send turn's scheduling decisions on in-memory ports: a queue of messages, a shared account
 * bucket and a quota, all driven by a clock the test moves.
 */
function harness(opts: {
  queued: number;
  channel?: Partial<ChannelSnapshot>;
  quotaLeft?: number;
  /** The provider's answer per message; every message is accepted when absent. */
  provider?: (m: ClaimedMessage) => Promise<{ providerMessageId: string | null }>;
}) {
  let now = 1_000_000;
  let queue = Array.from({ length: opts.queued }, (_, i): ClaimedMessage => ({
    id: `m${i}`,
    createdAt: new Date(now).toISOString(),
    accountId: "acc",
    deliveryAddress: `+2519${String(i).padStart(8, "0")}`,
    messageBody: "hi",
    metadata: {},
    attempts: 0,
    priority: 0,
    groupMessageId: null,
    traceId: null,
  }));
  const sent: string[] = [];
  const failed: string[] = [];
  const outcomes: MessageOutcome[] = [];
  let shared: TokenBucketState | undefined;
  let quotaLeft = opts.quotaLeft ?? Infinity;
  const metrics = {
    dispatched: [] as [string, string, number][],
    turnSeconds: [] as [string, number][],
    rateLimited: [] as string[],
    crashWindow: [] as number[],
  };
  const channel: ChannelSnapshot = {
    id: "ch",
    accountId: "acc",
    channelType: "sms",
    provider: "twilio",
    status: "active",
    isEnabled: true,
    rateLimit: 60_000,
    burst: 100,
    maxAttempts: 3,
    ...opts.channel,
  };
  const ports: DispatchPorts = {
    log: pino({ level: "silent" }),
    now: () => now,
    loadChannel: async () => channel,
    openSender: async () => ({
      send: async (m) => {
        sent.push(m.id);
        return opts.provider ? opts.provider(m) : { providerMessageId: `p-${m.id}` };
      },
      checkHealth: async () => ({ status: "connected", errorMessage: null }),
      close: async () => undefined,
    }),
    claim: async (_id, limit) => {
      const batch = queue.slice(0, limit);
      queue = queue.slice(limit);
      return batch;
    },
    recordClaims: async () => undefined,
    applyOutcomes: async (batch) => {
      for (const o of batch) if (o.status === "failed") failed.push(o.id);
      outcomes.push(...batch);
      return batch.length;
    },
    nextDueAt: async () => undefined,
    setChannelStatus: async () => undefined,
    hasQueued: async () => queue.length > 0,
    failover: async () => undefined,
    nudge: async () => undefined,
    acquireShared: async (_scope, n, ratePerMinute, burst) => {
      const cfg = { ratePerMinute, burst };
      shared ??= newBucket(cfg, now);
      const r = take(shared, cfg, now, n);
      shared = r.state;
      return r.granted;
    },
    consumeQuota: async (_acc, n) => {
      const granted = Math.min(n, quotaLeft);
      quotaLeft -= granted;
      return granted;
    },
    metrics: {
      dispatched: (type, status, n) => metrics.dispatched.push([type, status, n]),
      dispatchSeconds: (type, seconds) => metrics.turnSeconds.push([type, seconds]),
      rateLimited: (channelId) => metrics.rateLimited.push(channelId),
      crashWindow: (n) => metrics.crashWindow.push(n),
    },
    config: {
      maxBatch: 100,
      credentialsTtlMs: 60_000,
      healthEveryMs: 60_000,
      breakerThreshold: 5,
      breakerOpenMs: 30_000,
    },
  };
  return {
    dispatcher: new ChannelDispatcher("ch", ports),
    sent,
    failed,
    outcomes,
    metrics,
    now: () => now,
    advance: (ms: number) => (now += ms),
    queued: () => queue.length,
  };
}

/** Runs turns as the actor would (each at its requested wake time) until idle or `untilMs` passes. */
async function runFor(h: ReturnType<typeof harness>, untilMs: number): Promise<{ turns: number; idleAt?: number }> {
  let elapsed = 0;
  let turns = 0;
  while (elapsed <= untilMs) {
    const r = await h.dispatcher.turn();
    turns++;
    if (r.wakeInMs === undefined) return { turns, idleAt: elapsed };
    h.advance(r.wakeInMs);
    elapsed += r.wakeInMs;
  }
  return { turns };
}

const sharedAccount = (ratePerMinute: number, burst: number) => ({
  scope: "provider:twilio:AC1",
  ratePerMinute,
  burst,
});

describe("ChannelDispatcher turn scheduling", () => {
  it("keeps sending at the shared account's rate when the account, not the queue, cut the turn short", async () => {
    // Channel allows 1,000/s; the provider account 10/s (burst 10). 100 messages take ≈ 9 s.
    const h = harness({ queued: 100, channel: { providerAccount: sharedAccount(600, 10) } });
    const first = await h.dispatcher.turn();
    expect(first.claimed).toBeLessThan(100);
    expect(first.wakeInMs, "a backlog left by the account limit must not wait for an outside nudge").toBeDefined();
    expect(first.wakeInMs!).toBeLessThanOrEqual(1_000);

    const { idleAt } = await runFor(h, 15_000);
    expect(h.sent).toHaveLength(100);
    expect(idleAt, "went idle once the queue was empty").toBeDefined();
    // 100 messages at 10/s with one token to start: at least 9.9 s, and no more than 10 % slower.
    expect(idleAt!).toBeGreaterThanOrEqual(9_900);
    expect(idleAt!).toBeLessThanOrEqual(11_000);
  });

  it("goes idle when the claim finds fewer messages than it was allowed to take", async () => {
    const h = harness({ queued: 30 });
    const r = await h.dispatcher.turn();
    expect(r).toMatchObject({ claimed: 1, sent: 1 }); // a fresh bucket holds one token
    h.advance(1_000);
    const second = await h.dispatcher.turn();
    expect(second).toMatchObject({ claimed: 29, sent: 29, wakeInMs: undefined });
  });

  it("after a full batch, comes back when the channel's own bucket has a token again", async () => {
    const h = harness({ queued: 500, channel: { rateLimit: 6_000, burst: 100 } });
    await h.dispatcher.turn(); // the bucket starts with one token
    h.advance(60_000); // now it is full
    const r = await h.dispatcher.turn();
    expect(r.claimed).toBe(100);
    expect(r.wakeInMs).toBe(20); // one token every 10 ms at 100/s, floored at the minimum wake
  });

  it("fails the backlog over the account's quota turn after turn instead of leaving it queued", async () => {
    const h = harness({ queued: 250, quotaLeft: 20, channel: { quota: { dailyLimit: 20, monthlyLimit: null } } });
    const { idleAt } = await runFor(h, 5_000);
    expect(idleAt).toBeDefined();
    expect(h.sent).toHaveLength(20);
    expect(h.failed).toHaveLength(230);
    expect(h.queued()).toBe(0);
  });
});

describe("ChannelDispatcher send outcomes", () => {
  it("acts on what each send resolved or threw: sent, failed, throttled for the whole channel, retried", async () => {
    const answers: Record<string, () => Promise<{ providerMessageId: string | null }>> = {
      m0: async () => ({ providerMessageId: "SM0" }),
      m1: async () => {
        throw new SendError({ kind: "permanent", code: "invalid_recipient", message: "not a mobile number" });
      },
      m2: async () => {
        throw new SendError({
          kind: "throttled",
          code: "provider_throttled",
          message: "slow down",
          retryAfterMs: 5_000,
        });
      },
      m3: async () => {
        throw new Error("socket hang up");
      },
    };
    const h = harness({ queued: 5, provider: (m) => answers[m.id]!() });
    await h.dispatcher.turn(); // a fresh bucket holds one token: m0
    h.advance(1_000);
    const throttledAt = h.now();
    const r = await h.dispatcher.turn(); // m1 … m4 (m4 has no answer: the sender itself throws)
    expect(r).toMatchObject({ claimed: 4, sent: 0 });

    const byId = new Map(h.outcomes.map((o) => [o.id, o]));
    expect(byId.get("m0")).toMatchObject({ status: "sent", providerMessageId: "SM0" });
    expect(byId.get("m1")).toMatchObject({ status: "failed", errorCode: "invalid_recipient" });
    expect(byId.get("m2")).toMatchObject({
      status: "queued",
      throttled: true,
      errorCode: "provider_throttled",
      nextAttemptAt: new Date(throttledAt + 5_000),
    });
    for (const id of ["m3", "m4"])
      expect(byId.get(id)).toMatchObject({ status: "queued", throttled: false, errorCode: "dispatch_error" });

    // The provider's retry-after holds the whole channel, not just the throttled message.
    const held = await h.dispatcher.turn();
    expect(held).toMatchObject({ claimed: 0, held: "no_tokens", wakeInMs: 5_000 });

    // Every turn that sent reported its outcomes and provider time; the provider's throttle and
    // the turn that found no token are both rate-limit hits of this channel.
    expect(h.metrics.dispatched).toEqual([
      ["sms", "sent", 1],
      ["sms", "retry", 3],
      ["sms", "failed", 1],
    ]);
    expect(h.metrics.turnSeconds.map(([type]) => type)).toEqual(["sms", "sms"]);
    expect(h.metrics.turnSeconds.every(([, s]) => s >= 0 && s < 5)).toBe(true);
    expect(h.metrics.rateLimited).toEqual(["ch", "ch"]);
  });

  it("counts retries of sends the provider may have accepted in the crash window", async () => {
    const lost = () =>
      Promise.reject(
        new SendError({ kind: "retryable", code: "smpp_connection_lost", message: "lost", outcomeUnknown: true }),
      );
    const h = harness({ queued: 1, provider: lost });
    await h.dispatcher.turn();
    expect(h.outcomes[0]).toMatchObject({ status: "queued", outcomeUnknown: true });
    expect(h.metrics.crashWindow).toEqual([1]);
  });

  it("reports messages failed over the account's quota as failed attempts", async () => {
    const h = harness({ queued: 5, quotaLeft: 0, channel: { quota: { dailyLimit: 1, monthlyLimit: null } } });
    await h.dispatcher.turn();
    expect(h.metrics.dispatched).toEqual([["sms", "failed", 1]]);
  });
});
