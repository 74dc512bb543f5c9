/**
 * Applies one channel's receipts: find the messages they concern, plan with status precedence
 * (receipt-plan.ts), write changes + message_events + opt-outs in one transaction (campaign
 * counters follow from the 0020 trigger). Shared by the message.status consumer and the
 * reconciler of parked receipts, so a receipt applied late goes through exactly the same steps.
 */

import type { CallbackEmitter, CallbackEvent } from "../../core/callbacks/events.js";
import type { MessageStatusEvent } from "../../core/webhooks/events.js";
import { StatusStore, type TargetRow } from "../../db/messages/receipt-store.js";
import type { ReceiptChange, ReceiptEvent } from "../../db/messages/status-writes.js";
import { planBatch, targetsOf, type PlannedReceipt, type ReceiptResult } from "./receipt-plan.js";

/** A write refused because another consumer moved the message first is recomputed this many times. */
const LOST_RACE_ATTEMPTS = 3;

/** How long a receipt whose send is not recorded yet is kept for a later try (then given up). */
export const DEFAULT_EARLY_WINDOW_MS = 10 * 60_000;

export type ApplyReceipts = (channelId: string, events: readonly MessageStatusEvent[]) => Promise<ReceiptResult[]>;

/**
 * How a write's status steps (a message moved twice has two) become callback events: `of` runs
 * inside the write's transaction, which stages what it returns; `emitter` publishes them once
 * committed.
 */
export interface ReceiptCallbacks {
  of(
    channelId: string,
    steps: readonly ReceiptEvent[],
    changes: ReadonlyMap<string, ReceiptChange>,
  ): readonly CallbackEvent[];
  emitter: CallbackEmitter;
}

export function receiptApplier(store: StatusStore, callbacks?: ReceiptCallbacks): ApplyReceipts {
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
      let staged: readonly CallbackEvent[] = [];
      const written = await store.apply(
        plan.changes,
        plan.events,
        plan.optOuts,
        new Date(),
        callbacks &&
          ((w) =>
            (staged = callbacks.of(
              channelId,
              plan.events.filter((e) => w.has(e.messageId)),
              new Map(plan.changes.filter((c) => w.has(c.id)).map((c) => [c.id, c])),
            ))),
      );
      if (callbacks && staged.length > 0) await callbacks.emitter.emit(staged);
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
