import { MicroBatcher } from "../../core/micro-batcher.js";
import type { EventPublisher } from "../../core/publisher.js";

/**
 * Gathers the events of concurrent webhook requests into one bulk publish per topic. Each call to
 * the sidecar (and each broker confirm behind it) costs far more than the event itself, so under
 * load one bulk call every couple of milliseconds carries hundreds of webhooks. A request still
 * waits for its own event to be on the broker before it answers; if the bulk call fails, every
 * request in it answers 503 and the providers retry (the consumers are idempotent, so an event
 * that did reach the broker and comes again is a harmless duplicate).
 */
export function batchedPublisher(inner: EventPublisher, opts: { maxItems?: number; maxWaitMs?: number } = {}): EventPublisher {
  if (!inner.publishBulk) return inner;
  const bulk = inner.publishBulk.bind(inner);
  const batcher = new MicroBatcher<string, unknown, true>({
    maxItems: opts.maxItems ?? 200,
    maxWaitMs: opts.maxWaitMs ?? 2,
    flush: async (topic, items) => {
      await bulk(topic, items);
      return items.map(() => true as const);
    },
  });
  return {
    async publish(topic, data) {
      await batcher.add(topic, data);
    },
    publishBulk: bulk,
  };
}
