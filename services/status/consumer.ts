/**
 * The message.status consumer. Deliveries handled concurrently are gathered per
 * channel (MicroBatcher) so a burst of receipts costs a few set-based statements per batch
 * (receipt-apply.ts: find the messages, plan with status precedence, write in one transaction).
 *
 *   applied / unchanged (replay, superseded)  → SUCCESS
 *   early (message still queued/sending), or no message yet within earlyWindowMs → RETRY
 *   no message long after it was received     → dead letter (nothing will ever match it)
 *
 * RETRY is redelivered by the sidecar with backoff (dapr/resiliency eventRedelivery: about half a
 * minute over 8 tries), after which the receipt lands in message.status.dead, where it is kept.
 */

import express, { Router } from "express";
import type { Logger } from "../../core/logger.js";
import { MicroBatcher } from "../../core/micro-batcher.js";
import {
  receiptsOf,
  statusTopicEventSchema,
  type MessageStatusEvent,
  type StatusTopicEvent,
} from "../../core/webhooks/events.js";
import type { Database } from "../../db/client.js";
import { receiptApplyLag, receiptsApplied } from "../metrics.js";
import { PermanentEventError, subscriptionRoute } from "../runtime/pubsub-handler.js";
import type { CampaignCounterSink } from "../../db/campaigns/receipt-counters.js";
import type { ReceiptResult } from "./receipt-plan.js";
import { StatusStore } from "../../db/messages/receipt-store.js";
import { DEFAULT_EARLY_WINDOW_MS, receiptApplier } from "./receipt-apply.js";

export interface StatusConsumerOptions {
  maxItems?: number;
  maxWaitMs?: number;
  /** How long a receipt for a message we cannot find yet keeps being retried. */
  earlyWindowMs?: number;
}

export function createStatusConsumer(deps: {
  db: Database;
  counters: CampaignCounterSink;
  log: Logger;
  options?: StatusConsumerOptions;
}) {
  const applyBatch = receiptApplier(new StatusStore(deps.db, deps.counters));
  const earlyWindowMs = deps.options?.earlyWindowMs ?? DEFAULT_EARLY_WINDOW_MS;

  const batcher = new MicroBatcher<string, MessageStatusEvent, ReceiptResult>({
    maxItems: deps.options?.maxItems ?? 500,
    maxWaitMs: deps.options?.maxWaitMs ?? 5,
    flush: applyBatch,
  });

  async function handleOne(e: MessageStatusEvent): Promise<"SUCCESS" | "RETRY"> {
    const result = await batcher.add(e.channelId, e);
    receiptsApplied.inc({ channel_type: e.channelType, result });
    if (result === "applied")
      receiptApplyLag.observe(
        { channel_type: e.channelType },
        Math.max(0, Date.now() - Date.parse(e.receivedAt)) / 1000,
      );
    if (result === "applied" || result === "unchanged") return "SUCCESS";
    if (Date.now() - Date.parse(e.receivedAt) > earlyWindowMs) {
      throw new PermanentEventError(
        `no sent message matches receipt ${e.update.providerMessageId ?? e.messageId ?? "(watermark)"} on channel ${e.channelId}`,
      );
    }
    return "RETRY";
  }

  /**
   * A batch event (SMPP bind) is retried as a whole when any of its receipts is early: receipts
   * already applied come back "unchanged" (status precedence), so a redelivery applies nothing
   * twice. Receipts that will never match are logged; a batch of nothing else is dead-lettered.
   */
  async function handle(e: StatusTopicEvent): Promise<"SUCCESS" | "RETRY"> {
    const receipts = receiptsOf(e);
    if (receipts.length === 1) return handleOne(receipts[0]!);
    const outcomes = await Promise.allSettled(receipts.map(handleOne));
    let retry = false;
    let unmatched = 0;
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") retry ||= outcome.value === "RETRY";
      else if (outcome.reason instanceof PermanentEventError) {
        unmatched++;
        deps.log.warn(
          { channelId: e.channelId, err: outcome.reason.message },
          "receipt of a batch matches no message; left out",
        );
      } else throw outcome.reason;
    }
    if (unmatched === receipts.length)
      throw new PermanentEventError(`none of ${unmatched} receipts on channel ${e.channelId} matches a sent message`);
    return retry ? "RETRY" : "SUCCESS";
  }

  return { handle };
}

/**
 * POST /events/message-status (declarative subscription to message.status, bulk-enabled). Mount
 * under /events. The sidecar delivers receipts in bulk (`entries`, answered with one status per
 * entry): one HTTP exchange per few hundred receipts instead of one each, which is most of the
 * consumer's cost under load. A single CloudEvent is handled too (bulk switched off).
 */
export function statusRoutes(
  consumer: { handle(e: StatusTopicEvent): Promise<"SUCCESS" | "RETRY"> },
  log: Logger,
): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "16mb",
  });
  const single = subscriptionRoute(statusTopicEventSchema, (e) => consumer.handle(e), log);
  r.post("/message-status", json, (req, res, next) => {
    const body = req.body as { entries?: unknown };
    if (!Array.isArray(body?.entries)) return single(req, res, next);
    void bulk(body.entries as BulkEntry[]).then((statuses) => res.status(200).json({ statuses }));
  });

  const bulk = (entries: BulkEntry[]) =>
    Promise.all(
      entries.map(async (entry): Promise<{ entryId: string; status: "SUCCESS" | "RETRY" | "DROP" }> => {
        const event = typeof entry.event === "string" ? safeJson(entry.event) : entry.event;
        const parsed = statusTopicEventSchema.safeParse((event as { data?: unknown } | undefined)?.data ?? event);
        if (!parsed.success) {
          log.warn(
            { entryId: entry.entryId, issues: parsed.error.issues.slice(0, 3) },
            "malformed receipt dropped to dead letters",
          );
          return { entryId: entry.entryId, status: "DROP" };
        }
        try {
          return { entryId: entry.entryId, status: await consumer.handle(parsed.data) };
        } catch (err) {
          const permanent = err instanceof PermanentEventError;
          log.warn(
            { entryId: entry.entryId, err: err instanceof Error ? err.message : String(err) },
            permanent ? "receipt dropped to dead letters" : "receipt failed; asking for redelivery",
          );
          return { entryId: entry.entryId, status: permanent ? "DROP" : "RETRY" };
        }
      }),
    );
  return r;
}

interface BulkEntry {
  entryId: string;
  event: unknown;
  contentType?: string;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
