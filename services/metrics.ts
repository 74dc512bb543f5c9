/**
 * Prometheus metrics, served at /metrics (README "Dispatch" lists them). One registry per process;
 * every series is labelled by channel type (bounded), except the rate-limit counter, which is
 * keyed by channel id so the throttled channel can be found.
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { FailureWindow, type AttemptOutcome } from "../core/dispatch/failure-window.js";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "turumba_process_" });

export const messagesDispatched = new Counter({
  name: "turumba_messages_dispatched_total",
  help: "Send attempts by outcome: sent, retry (requeued with backoff), failed.",
  labelNames: ["channel_type", "status"] as const,
  registers: [registry],
});

export const dispatchDuration = new Histogram({
  name: "turumba_dispatch_duration_seconds",
  help: "Wall time of one channel send turn's provider calls (concurrent within the turn).",
  labelNames: ["channel_type"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const rateLimitHits = new Counter({
  name: "turumba_rate_limit_hits_total",
  help: "Turns that found no token, or a provider that throttled us.",
  labelNames: ["channel_id"] as const,
  registers: [registry],
});

export const dispatchBacklog = new Gauge({
  name: "turumba_dispatch_queue_depth",
  help: "Messages waiting for dispatch (status queued), by channel type, sampled by the sweeper.",
  labelNames: ["channel_type"] as const,
  registers: [registry],
});

/** Attempts of the last minute per channel type, which the failure-rate gauge reads at each scrape. */
export const dispatchFailures = new FailureWindow(60_000, 1_000);

export const failureRate = new Gauge({
  name: "turumba_dispatch_failure_rate",
  help: 'Share of send attempts in the last 60 s that failed or were retried, by channel type; absent for a type with no attempts in that minute. Alert on the counters instead: rate(turumba_messages_dispatched_total{status=~"failed|retry"}[5m]) / rate(turumba_messages_dispatched_total[5m]).',
  labelNames: ["channel_type"] as const,
  registers: [registry],
  collect() {
    this.reset();
    const now = Date.now();
    for (const type of dispatchFailures.keys()) {
      const ratio = dispatchFailures.ratio(type, now);
      if (ratio !== undefined) this.set({ channel_type: type }, ratio);
    }
  },
});

/** One outcome of send attempts: the counter and the failure-rate window move together. */
export function recordDispatched(channelType: string, status: AttemptOutcome, n: number): void {
  messagesDispatched.inc({ channel_type: channelType, status }, n);
  dispatchFailures.record(channelType, status, n, Date.now());
}

export const outboxPending = new Gauge({
  name: "turumba_outbox_pending_count",
  help: "Queued messages whose dispatch event may have been lost (nudged again by the sweeper).",
  registers: [registry],
});

export const crashWindowRequeued = new Counter({
  name: "turumba_dispatch_crash_window_total",
  help: "Messages found in `sending` after their dispatcher died mid-send and requeued: each may be a duplicate.",
  registers: [registry],
});

export const webhookResponse = new Histogram({
  name: "turumba_webhook_response_seconds",
  help: "Time to verify and hand a provider webhook to the broker.",
  labelNames: ["channel_type"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
  registers: [registry],
});

export const groupMessageFanout = new Histogram({
  name: "turumba_group_message_fanout_duration_seconds",
  help: "From a campaign's fan-out starting (its group message turning processing; a pause counts) to its last page of messages created and enqueued.",
  buckets: [1, 5, 10, 30, 60, 120, 300, 600],
  registers: [registry],
});

// ---- Webhooks, delivery receipts and inbound messages (issue 7) ----

export const webhookRequests = new Counter({
  name: "turumba_webhook_requests_total",
  help: "Provider webhooks by outcome: accepted, duplicate (replay acknowledged and dropped), ignored (nothing to act on), unknown_channel, signature_missing, signature_invalid, publish_failed.",
  labelNames: ["channel_type", "outcome"] as const,
  registers: [registry],
});

export const webhookSignatureRejected = new Counter({
  name: "turumba_webhook_signature_rejected_total",
  help: "Webhooks refused because their signature was missing (401) or did not verify (403).",
  labelNames: ["channel_type", "reason"] as const,
  registers: [registry],
});

export const receiptsApplied = new Counter({
  name: "turumba_receipts_total",
  help: "Delivery receipts by result: applied (status changed), unchanged (replay or superseded), parked (send not recorded yet; kept for the reconciler, which counts it again as applied, unchanged or expired), expired (parked past the early window; given up), missing (no message long after it was received; dead-lettered).",
  labelNames: ["channel_type", "result"] as const,
  registers: [registry],
});

export const receiptApplyLag = new Histogram({
  name: "turumba_receipt_apply_lag_seconds",
  help: "From a receipt reaching the receiver to its status being written.",
  labelNames: ["channel_type"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const inboundMessages = new Counter({
  name: "turumba_inbound_messages_total",
  help: "Inbound messages by kind: stored, duplicate (a redelivery), part (a long SMS waiting for its other parts), no_channel (dead-lettered), and opt_out / opt_in keywords acted on.",
  labelNames: ["channel_type", "kind"] as const,
  registers: [registry],
});
