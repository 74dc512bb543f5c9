/**
 * Applies receipts the status consumer parked because their send was not recorded yet. Runs as a
 * short loop in the process that consumes message.status. Each round claims up to `batch` due
 * receipts (a lease, so replicas share the work without taking the same rows), applies them per
 * channel through the consumer's own path (receipt-apply.ts), deletes the applied and superseded
 * ones and hands the still-early ones back with a growing delay. A receipt still unmatched past
 * the early window is given up: removed, counted (turumba_receipts_total{result="expired"}) and
 * logged once, the outcome a dead letter had, decided here rather than by a broker's retry count.
 */

import type { Logger } from "../../core/logger.js";
import type { MessageStatusEvent } from "../../core/webhooks/events.js";
import type { Database } from "../../db/client.js";
import type { CampaignCounterSink } from "../../db/campaigns/receipt-counters.js";
import { ParkedReceiptStore, type ParkedReceipt } from "../../db/messages/parked-receipts.js";
import { StatusStore } from "../../db/messages/receipt-store.js";
import { receiptApplyLag, receiptsApplied } from "../metrics.js";
import { DEFAULT_EARLY_WINDOW_MS, receiptApplier } from "./receipt-apply.js";
import { receiptCallbacks } from "./status-callbacks.js";
import type { CallbackEmitter } from "../../core/callbacks/events.js";

export interface ReconcilerOptions {
  /** Pause between rounds that found less than a full batch. */
  intervalMs?: number;
  /** Receipts per round: one claim, a few statements per channel, one delete. */
  batch?: number;
  earlyWindowMs?: number;
  /** How long a claimed receipt is out of other reconcilers' reach. */
  leaseMs?: number;
}

export interface RoundResult {
  claimed: number;
  applied: number;
  unchanged: number;
  waiting: number;
  expired: number;
}

/** A receipt still early is tried again after attempts × this, capped, so a long-stuck send costs little. */
const RETRY_STEP_MS = 1_000;
const RETRY_CAP_MS = 30_000;

export function createReceiptReconciler(deps: {
  db: Database;
  counters: CampaignCounterSink;
  log: Logger;
  /** Where the status changes it writes go as `message.status` callbacks; none when absent. */
  callbacks?: CallbackEmitter;
  options?: ReconcilerOptions;
}) {
  const apply = receiptApplier(
    new StatusStore(deps.db, deps.counters),
    deps.callbacks ? receiptCallbacks(deps.callbacks) : undefined,
  );
  const parked = new ParkedReceiptStore(deps.db);
  const intervalMs = deps.options?.intervalMs ?? 1_000;
  const batch = deps.options?.batch ?? 500;
  const earlyWindowMs = deps.options?.earlyWindowMs ?? DEFAULT_EARLY_WINDOW_MS;
  const leaseMs = deps.options?.leaseMs ?? 60_000;

  async function round(now = new Date()): Promise<RoundResult> {
    const claimed = await parked.claim(batch, now, leaseMs);
    const r: RoundResult = { claimed: claimed.length, applied: 0, unchanged: 0, waiting: 0, expired: 0 };
    const byChannel = new Map<string, ParkedReceipt[]>();
    for (const p of claimed) append(byChannel, p.event.channelId, p);
    const settled: string[] = [];
    const waiting = new Map<number, string[]>();
    for (const [channelId, rows] of byChannel) {
      const results = await apply(
        channelId,
        rows.map((p) => p.event),
      );
      results.forEach((result, i) => {
        const p = rows[i]!;
        const e = p.event;
        if (result === "applied" || result === "unchanged") {
          r[result]++;
          settled.push(p.id);
          receiptsApplied.inc({ channel_type: e.channelType, result });
          if (result === "applied")
            receiptApplyLag.observe(
              { channel_type: e.channelType },
              Math.max(0, Date.now() - Date.parse(e.receivedAt)) / 1000,
            );
        } else if (now.getTime() - Date.parse(e.receivedAt) > earlyWindowMs) {
          r.expired++;
          settled.push(p.id);
          receiptsApplied.inc({ channel_type: e.channelType, result: "expired" });
          logExpired(e, result);
        } else {
          r.waiting++;
          const delay = Math.min(p.attempts * RETRY_STEP_MS, RETRY_CAP_MS);
          append(waiting, delay, p.id);
        }
      });
    }
    await parked.remove(settled);
    for (const [delay, ids] of waiting) await parked.release(ids, new Date(now.getTime() + delay));
    return r;
  }

  function logExpired(e: MessageStatusEvent, result: string): void {
    deps.log.warn(
      {
        channelId: e.channelId,
        providerMessageId: e.update.providerMessageId,
        messageId: e.messageId,
        status: e.update.status,
        receivedAt: e.receivedAt,
        reason: result === "early" ? "send still not recorded" : "no message matches",
      },
      "parked receipt given up after the early window",
    );
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();

  /** Rounds back to back while they come back full, then one every intervalMs. */
  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().then(
        (r) => schedule(r.claimed >= batch ? 0 : intervalMs),
        (err: unknown) => {
          deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "receipt reconciler round failed");
          schedule(intervalMs);
        },
      );
    }, delay);
    timer.unref();
  }

  return {
    round,
    start(): void {
      stopped = false;
      schedule(intervalMs);
    },
    /** Stops the loop; resolves once a round in progress has finished. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
