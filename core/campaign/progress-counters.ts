/**
 * Campaign progress counters. Every change to a campaign's messages appends a delta (the
 * fan-out when it inserts a page; a trigger on the messages table for every status change made
 * by the dispatcher, receipts or cancel), and deltas are folded into the group message row in
 * batches. What one message contributes, by status (db/migrations/0020 uses the same rules):
 *   queued, sending → queued      sent → sent      delivered → sent, delivered
 *   read → sent, delivered, read  failed → failed (and sent, when a provider had accepted it)
 *   cancelled → cancelled         skipped → skipped
 * Contacts that got no message (no address, duplicate address) count as skipped too.
 */

export const COUNTER_FIELDS = ["queued", "sent", "delivered", "read", "failed", "cancelled", "skipped"] as const;
export type CounterField = (typeof COUNTER_FIELDS)[number];

export type CounterDelta = Partial<Record<CounterField, number>> & { skippedReasons?: Record<string, number> };

export interface CampaignCounters {
  total: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  cancelled: number;
  skipped: number;
  skippedReasons: Record<string, number>;
}

/** Adds deltas up (per campaign); reason maps are merged key by key. */
export function sumDeltas(deltas: readonly CounterDelta[]): Required<CounterDelta> {
  const out = {
    queued: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    cancelled: 0,
    skipped: 0,
    skippedReasons: {} as Record<string, number>,
  };
  for (const d of deltas) {
    for (const f of COUNTER_FIELDS) out[f] += d[f] ?? 0;
    for (const [k, v] of Object.entries(d.skippedReasons ?? {}))
      out.skippedReasons[k] = (out.skippedReasons[k] ?? 0) + v;
  }
  return out;
}

export type FinalStatus = "completed" | "partially_failed" | "failed";

/**
 * How a campaign ends once nothing waits for a provider any more: failed when nothing could be
 * sent (every attempt failed, or the contact source failed before any message existed),
 * partially_failed when some failed or the fan-out stopped half way, completed otherwise.
 */
export function finalStatus(
  c: Pick<CampaignCounters, "sent" | "failed">,
  fanout: { aborted: boolean; messagesCreated: number },
): FinalStatus {
  if (fanout.aborted) return fanout.messagesCreated === 0 || c.sent === 0 ? "failed" : "partially_failed";
  if (c.failed > 0) return c.sent === 0 ? "failed" : "partially_failed";
  return "completed";
}
