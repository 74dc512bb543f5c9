/**
 * Gathers the events of concurrent webhook requests before they go to the sidecar, in two ways:
 *
 * - Receipts (message.status) of one channel that arrive within the same few milliseconds travel
 *   as one batch event. The RabbitMQ component publishes one message at a time and waits for the
 *   broker's confirm of each (a persisted write) before the next, so events per second, not
 *   bytes, are what a sidecar can publish: one event per receipt capped the receivers at about
 *   650 webhooks/s whatever the load. The consumer applies a batch receipt by receipt.
 * - Everything else (and the batches) goes out in one bulk publish per topic: one sidecar call
 *   instead of one per event.
 *
 * A request still waits for its own event to be on the broker before it answers; if the publish
 * fails, every request in it answers 503 and the providers retry (the consumers are idempotent,
 * so an event that did reach the broker and comes again is a harmless duplicate).
 */

import { MicroBatcher } from "../../core/micro-batcher.js";
import type { EventPublisher } from "../../core/publisher.js";
import {
  MAX_RECEIPTS_PER_EVENT,
  WEBHOOK_TOPICS,
  receiptBatchOf,
  type MessageStatusEvent,
} from "../../core/webhooks/events.js";

export function batchedPublisher(
  inner: EventPublisher,
  opts: { maxItems?: number; maxWaitMs?: number } = {},
): EventPublisher {
  const maxWaitMs = opts.maxWaitMs ?? 2;
  const send = bulkPerTopic(inner, opts.maxItems ?? 200, maxWaitMs);
  const receipts = new MicroBatcher<string, MessageStatusEvent, true>({
    maxItems: MAX_RECEIPTS_PER_EVENT,
    maxWaitMs,
    flush: async (_channelId, events) => {
      await send(WEBHOOK_TOPICS.status, events.length === 1 ? events[0] : receiptBatchOf(events));
      return events.map(() => true as const);
    },
  });
  return {
    async publish(topic, data) {
      if (topic === WEBHOOK_TOPICS.status && isSingleReceipt(data)) await receipts.add(data.channelId, data);
      else await send(topic, data);
    },
    publishBulk: inner.publishBulk?.bind(inner),
  };
}

/** Publishes through one bulk call per topic and few milliseconds, where the publisher has one. */
function bulkPerTopic(
  inner: EventPublisher,
  maxItems: number,
  maxWaitMs: number,
): (topic: string, data: unknown) => Promise<void> {
  if (!inner.publishBulk) return (topic, data) => inner.publish(topic, data);
  const bulk = inner.publishBulk.bind(inner);
  const batcher = new MicroBatcher<string, unknown, true>({
    maxItems,
    maxWaitMs,
    flush: async (topic, items) => {
      await bulk(topic, items);
      return items.map(() => true as const);
    },
  });
  return async (topic, data) => {
    await batcher.add(topic, data);
  };
}

function isSingleReceipt(data: unknown): data is MessageStatusEvent {
  return (
    typeof data === "object" &&
    data !== null &&
    "update" in data &&
    typeof (data as { channelId?: unknown }).channelId === "string"
  );
}
