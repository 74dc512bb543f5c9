/**
 * The message.status consumer. Deliveries handled concurrently are gathered per
 * channel (MicroBatcher) so a burst of receipts costs a few set-based statements per batch
 * (receipt-apply.ts: find the messages, plan with status precedence, write in one transaction).
 *
 *   applied / unchanged (replay, superseded)  → SUCCESS
 *   early (message still queued/sending), or no message yet within earlyWindowMs
 *                                             → parked in the database, SUCCESS
 *   no message long after it was received     → dead letter (nothing will ever match it)
 *   a database error                          → RETRY (the sidecar redelivers with backoff)
 *
 * An early receipt is parked rather than bounced back to the broker: a broker that hands a
 * subscriber one event at a time (the embedded in-memory pub/sub) holds every later publish
 * behind the retries, until publishes time out and its circuit breaker opens; a durable broker
 * dead-letters a receipt that comes more than its retry budget (about half a minute) early. The
 * reconciler (reconciler.ts) applies parked receipts once their send is recorded.
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
import { StatusStore } from "../../db/messages/receipt-store.js";
import { ParkedReceiptStore } from "../../db/messages/parked-receipts.js";
import { DEFAULT_EARLY_WINDOW_MS, receiptApplier } from "./receipt-apply.js";
import { receiptCallbacks } from "./status-callbacks.js";
import type { CallbackEmitter } from "../../core/callbacks/events.js";

export interface StatusConsumerOptions {
  maxItems?: number;
  maxWaitMs?: number;
  /** How long a receipt for a message we cannot find yet is kept for a later try. */
  earlyWindowMs?: number;
}

/** What became of one receipt: unmatched ones are past the early window with nothing to apply to. */
type ReceiptOutcome = "applied" | "unchanged" | "parked" | "unmatched";

export function createStatusConsumer(deps: {
  db: Database;
  counters: CampaignCounterSink;
  log: Logger;
  /** Where the status changes it writes go as `message.status` callbacks; none when absent. */
  callbacks?: CallbackEmitter;
  options?: StatusConsumerOptions;
}) {
  const apply = receiptApplier(
    new StatusStore(deps.db, deps.counters),
    deps.callbacks ? receiptCallbacks(deps.callbacks) : undefined,
  );
  const parked = new ParkedReceiptStore(deps.db);
  const earlyWindowMs = deps.options?.earlyWindowMs ?? DEFAULT_EARLY_WINDOW_MS;

  /** Applies what it can and parks the early receipts of the batch in one statement. */
  const flush = async (channelId: string, events: MessageStatusEvent[]): Promise<ReceiptOutcome[]> => {
    const results = await apply(channelId, events);
    const now = Date.now();
    const outcomes = results.map((r, i): ReceiptOutcome => {
      if (r === "applied" || r === "unchanged") return r;
      return now - Date.parse(events[i]!.receivedAt) > earlyWindowMs ? "unmatched" : "parked";
    });
    await parked.park(events.filter((_, i) => outcomes[i] === "parked"));
    return outcomes;
  };

  const batcher = new MicroBatcher<string, MessageStatusEvent, ReceiptOutcome>({
    maxItems: deps.options?.maxItems ?? 500,
    maxWaitMs: deps.options?.maxWaitMs ?? 5,
    flush,
  });

  /** SUCCESS once applied, superseded or parked; a database error rejects (RETRY). */
  async function handleOne(e: MessageStatusEvent): Promise<"SUCCESS"> {
    const outcome = await batcher.add(e.channelId, e);
    if (outcome === "unmatched") {
      receiptsApplied.inc({ channel_type: e.channelType, result: "missing" });
      throw new PermanentEventError(
        `no sent message matches receipt ${e.update.providerMessageId ?? e.messageId ?? "(watermark)"} on channel ${e.channelId}`,
      );
    }
    receiptsApplied.inc({ channel_type: e.channelType, result: outcome });
    if (outcome === "applied")
      receiptApplyLag.observe(
        { channel_type: e.channelType },
        Math.max(0, Date.now() - Date.parse(e.receivedAt)) / 1000,
      );
    return "SUCCESS";
  }

  /**
   * A batch event (SMPP bind) is acknowledged once each of its receipts is applied, superseded or
   * parked. Receipts that will never match are logged; a batch of nothing else is dead-lettered.
   * A database error fails the whole batch (RETRY): receipts already applied come back
   * "unchanged" on redelivery (status precedence), so nothing is applied twice.
   */
  async function handle(e: StatusTopicEvent): Promise<"SUCCESS" | "RETRY"> {
    const receipts = receiptsOf(e);
    if (receipts.length === 1) return handleOne(receipts[0]!);
    const outcomes = await Promise.allSettled(receipts.map(handleOne));
    let unmatched = 0;
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") continue;
      if (outcome.reason instanceof PermanentEventError) {
        unmatched++;
        deps.log.warn(
          { channelId: e.channelId, err: outcome.reason.message },
          "receipt of a batch matches no message; left out",
        );
      } else throw outcome.reason;
    }
    if (unmatched === receipts.length)
      throw new PermanentEventError(`none of ${unmatched} receipts on channel ${e.channelId} matches a sent message`);
    return "SUCCESS";
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
