/**
 * Applies one channel's receipts: find the messages they concern, plan with status precedence
 * (receipt-plan.ts), write changes + message_events + opt-outs in one transaction (campaign
 * counters follow from the 0020 trigger). Shared by the message.status consumer and the
 * reconciler of parked receipts, so a receipt applied late goes through exactly the same steps.
 */

import type { MessageStatusEvent } from "../../core/webhooks/events.js";
import { StatusStore, type TargetRow } from "../../db/messages/receipt-store.js";
import type { ReceiptChange, ReceiptEvent } from "../../db/messages/status-writes.js";
import { planBatch, targetsOf, type PlannedReceipt, type ReceiptResult } from "./receipt-plan.js";

/** A write refused because another consumer moved the message first is recomputed this many times. */
const LOST_RACE_ATTEMPTS = 3;

/** How long a receipt whose send is not recorded yet is kept for a later try (then given up). */
export const DEFAULT_EARLY_WINDOW_MS = 10 * 60_000;

export type ApplyReceipts = (channelId: string, events: readonly MessageStatusEvent[]) => Promise<ReceiptResult[]>;

/** Told, after each write, the status steps it made (a message moved twice has two), with their changes. */
export type OnReceiptsWritten = (
  channelId: string,
  steps: readonly ReceiptEvent[],
  changes: ReadonlyMap<string, ReceiptChange>,
) => Promise<void>;

export function receiptApplier(store: StatusStore, onWritten?: OnReceiptsWritten): ApplyReceipts {
  return async (channelId, events) => {
    const channelType = events[0]!.channelType;
    const receipts: PlannedReceipt[] = events.map((e) => ({
      update: e.update,
      messageId: e.messageId,
      receivedAt: new Date(e.receivedAt),
    }));
    const results: ReceiptResult[] = new Array<ReceiptResult>(receipts.length);
    let pending = receipts.map((_, i) => i);
    for (let attempt = 0; attempt < LOST_RACE_ATTEMPTS && pending.length > 0; attempt++) {
      const batch = pending.map((i) => receipts[i]!);
      const targets = await findTargets(store, channelId, batch);
      const plan = planBatch({ id: channelId, channelType }, batch, targets);
      const written = await store.apply(plan.changes, plan.events, plan.optOuts, new Date());
      if (onWritten && written.size > 0)
        await onWritten(
          channelId,
          plan.events.filter((e) => written.has(e.messageId)),
          new Map(plan.changes.filter((c) => written.has(c.id)).map((c) => [c.id, c])),
        );
      const lost: number[] = [];
      plan.results.forEach((res, j) => {
        const i = pending[j]!;
        if (plan.touched[j]!.some((id) => !written.has(id))) lost.push(i);
        else results[i] = res;
      });
      pending = lost;
    }
    // Still racing after a few rounds: treated like an early receipt, tried again later.
    for (const i of pending) results[i] = "early";
    return results;
  };
}

async function findTargets(
  store: StatusStore,
  channelId: string,
  batch: readonly PlannedReceipt[],
): Promise<TargetRow[][]> {
  const providerIds = [
    ...new Set(batch.flatMap((r) => (!r.messageId && r.update.providerMessageId ? [r.update.providerMessageId] : []))),
  ];
  const messageIds = [...new Set(batch.flatMap((r) => (r.messageId ? [r.messageId] : [])))];
  const rows = await store.find(channelId, providerIds, messageIds);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byProviderId = new Map<string, TargetRow[]>();
  for (const r of rows) {
    if (!r.providerMessageId) continue;
    const list = byProviderId.get(r.providerMessageId) ?? [];
    if (!list.some((x) => x.id === r.id)) list.push(r);
    byProviderId.set(r.providerMessageId, list);
  }
  return Promise.all(
    batch.map(async (r) => {
      const u = r.update;
      const watermarked =
        u.providerMessageId === null && !r.messageId && u.recipient && u.watermark
          ? await store.findUpToWatermark(channelId, u.recipient, new Date(u.watermark))
          : undefined;
      return targetsOf(r, byId, byProviderId, watermarked);
    }),
  );
}
