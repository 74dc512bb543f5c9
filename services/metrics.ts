/**
 * Prometheus metrics, served at /metrics (README "Dispatch" lists them). One registry per process;
 * every series is labelled by channel type (bounded), except the rate-limit counter, which is
 * keyed by channel id so the throttled channel can be found.
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AttemptOutcome } from "../core/dispatch/outcome.js";

export const registry = new Registry();
// Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...), as every dashboard expects.
collectDefaultMetrics({ register: registry });

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

export const rateLimiterErrors = new Counter({
  name: "turumba_rate_limiter_errors_total",
  help: "API requests let through because the shared rate-limit counter failed (the limiter fails open).",
  registers: [registry],
});

/**
 * The failure rate is not a gauge of ours: it is derived from the counter where it is read,
 * sum by (channel_type) (rate(turumba_messages_dispatched_total{status=~"failed|retry"}[5m]))
 * / sum by (channel_type) (rate(turumba_messages_dispatched_total[5m])).
 */
export function recordDispatched(channelType: string, status: AttemptOutcome, n: number): void {
  messagesDispatched.inc({ channel_type: channelType, status }, n);
}

/**
 * Database-wide figures are sampled by the sweep, which runs once per cluster (SweeperActor), so
 * only the replica that swept last has them. They are exported while fresh (three sweep periods)
 * and dropped otherwise (a gauge without labels then reads 0): the replica the sweeper left stops
 * reporting a stale copy, and a sum or max over replicas never counts the database twice.
 */
let lastSweep = { at: 0, intervalMs: 0 };
const sweptRecently = () => Date.now() - lastSweep.at <= 3 * lastSweep.intervalMs;

export const sweepsRun = new Counter({
  name: "turumba_dispatch_sweeps_total",
  help: "Sweeps this replica ran (one per sweep period across the whole cluster).",
  registers: [registry],
});

/** Called by each sweep before it sets the database-wide gauges. */
export function recordSweep(at: number, intervalMs: number): void {
  lastSweep = { at, intervalMs };
  sweepsRun.inc();
}

/** A gauge of the database, set by the sweep: dropped at scrape time once the sweep moved elsewhere. */
function sweptGauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      if (!sweptRecently()) this.reset();
    },
  });
}

export const dispatchBacklog = sweptGauge(
  "turumba_dispatch_queue_depth",
  "Messages waiting for dispatch (status queued), by channel type, sampled by the sweep (only the replica that sweeps exports it).",
  ["channel_type"] as const,
);

export const outboxPending = sweptGauge(
  "turumba_outbox_pending",
  "Channels with queued messages whose dispatch event may have been lost, nudged again by the last sweep (only the replica that sweeps exports it).",
);

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
  help: "Provider webhooks by outcome: accepted, duplicate (replay acknowledged and dropped), ignored (nothing to act on), unknown_channel, signature_missing, signature_invalid, publish_failed, unreadable (a body the adapter could not read).",
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
