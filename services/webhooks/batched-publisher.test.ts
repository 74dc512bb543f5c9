import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EventPublisher } from "../../core/publisher.js";
import { statusTopicEventSchema, receiptsOf, type MessageStatusEvent } from "../../core/webhooks/events.js";
import { batchedPublisher } from "./batched-publisher.js";

const channelA = randomUUID();
const channelB = randomUUID();

function receipt(
  channelId: string,
  n: number,
  receivedAt = new Date(Date.UTC(2026, 10, 23, 8, 0, n % 60)).toISOString(),
): MessageStatusEvent {
  return {
    eventId: randomUUID(),
    channelId,
    channelType: "whatsapp",
    provider: "default",
    accountId: randomUUID(),
    receivedAt,
    update: {
      providerMessageId: `wamid.${n}`,
      status: "delivered",
      errorCode: null,
      errorMessage: null,
      optOut: false,
      bounce: null,
      recipient: null,
      watermark: null,
      occurredAt: null,
      metadata: {},
    },
  };
}

function recorder(opts: { bulk?: boolean; fail?: boolean } = {}) {
  const calls: { kind: "single" | "bulk"; topic: string; items: unknown[] }[] = [];
  const publisher: EventPublisher = {
    async publish(topic, data) {
      if (opts.fail) throw new Error("broker down");
      calls.push({ kind: "single", topic, items: [data] });
    },
  };
  if (opts.bulk !== false) {
    publisher.publishBulk = async (topic, items) => {
      if (opts.fail) throw new Error("broker down");
      calls.push({ kind: "bulk", topic, items });
    };
  }
  return { publisher, calls, events: () => calls.flatMap((c) => c.items.map((data) => ({ topic: c.topic, data }))) };
}

describe("batchedPublisher", () => {
  it("sends the receipts of one channel that arrive together as one batch event, per channel, in one bulk call", async () => {
    const r = recorder();
    const p = batchedPublisher(r.publisher);
    const a = Array.from({ length: 30 }, (_, i) => receipt(channelA, i));
    const b = Array.from({ length: 10 }, (_, i) => receipt(channelB, 100 + i));
    await Promise.all([...a, ...b].map((e) => p.publish("message.status", e)));

    expect(r.calls.map((c) => c.kind)).toEqual(["bulk"]);
    const events = r.events().map((e) => statusTopicEventSchema.parse(e.data));
    expect(events).toHaveLength(2);
    const byChannel = new Map(events.map((e) => [e.channelId, receiptsOf(e)]));
    expect(byChannel.get(channelA)!.map((x) => x.update.providerMessageId)).toEqual(
      a.map((x) => x.update.providerMessageId),
    );
    expect(byChannel.get(channelB)!.map((x) => x.update.providerMessageId)).toEqual(
      b.map((x) => x.update.providerMessageId),
    );
    // Timed from its earliest receipt, so the consumer's apply lag is never understated.
    expect(byChannel.get(channelA)![0]!.receivedAt).toBe(a.map((x) => x.receivedAt).sort()[0]);
  });

  it("publishes a receipt that arrives alone as it is", async () => {
    const r = recorder();
    const p = batchedPublisher(r.publisher);
    const one = receipt(channelA, 1);
    await p.publish("message.status", one);
    expect(r.events()).toEqual([{ topic: "message.status", data: one }]);
  });

  it("passes other topics through in bulk, one event each", async () => {
    const r = recorder();
    const p = batchedPublisher(r.publisher);
    const inbound = [
      { kind: "inbound", n: 1 },
      { kind: "inbound", n: 2 },
    ];
    await Promise.all(inbound.map((e) => p.publish("webhook.inbound", e)));
    expect(r.calls).toEqual([{ kind: "bulk", topic: "webhook.inbound", items: inbound }]);
  });

  it("batches receipts through a publisher without bulk publishing too", async () => {
    const r = recorder({ bulk: false });
    const p = batchedPublisher(r.publisher);
    await Promise.all(Array.from({ length: 5 }, (_, i) => p.publish("message.status", receipt(channelA, i))));
    expect(r.calls).toHaveLength(1);
    expect(receiptsOf(statusTopicEventSchema.parse(r.calls[0]!.items[0]))).toHaveLength(5);
  });

  it("fails every request of a batch whose publish failed, so each provider retries", async () => {
    const r = recorder({ fail: true });
    const p = batchedPublisher(r.publisher);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) => p.publish("message.status", receipt(channelA, i))),
    );
    expect(results.map((x) => x.status)).toEqual(["rejected", "rejected", "rejected", "rejected"]);
  });
});
