import { randomUUID } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { StatusUpdate } from "../../core/messages/vocabulary.js";
import { BindEventForwarder, type BindReceipt } from "./bind-forwarder.js";

const log = pino({ level: "silent" });
const receipt = (n: number): BindReceipt => ({
  messageId: randomUUID(),
  update: StatusUpdate.parse({
    providerMessageId: `smsc-${n}`,
    status: "delivered",
    errorCode: null,
    errorMessage: null,
    optOut: false,
    recipient: null,
    watermark: null,
    occurredAt: null,
    metadata: {},
  }),
});

function harness(failFirst = 0) {
  const published: { topic: string; event: { channelId?: string; receipts?: BindReceipt[]; n?: number } }[] = [];
  let failures = failFirst;
  const sleeps: number[] = [];
  const fwd = new BindEventForwarder(
    {
      publish: (topic, event) => {
        if (failures-- > 0) return Promise.reject(new Error("broker down"));
        published.push({ topic, event });
        return Promise.resolve();
      },
      receiptEvent: (channelId, receipts) => ({ channelId, receipts }),
      statusTopic: "message.status",
      log,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    },
    { lingerMs: 5, maxBatch: 3, retryBaseMs: 100, retryMaxMs: 400 },
  );
  return { fwd, published, sleeps };
}

describe("BindEventForwarder", () => {
  it("gathers receipts per channel into batch events of at most maxBatch", async () => {
    const { fwd, published } = harness();
    const all = Array.from({ length: 7 }, (_, i) => receipt(i));
    all.forEach((r, i) => fwd.receipt(i % 2 === 0 ? "a" : "b", r));
    await fwd.flushed();
    const byChannel = (c: string) => published.filter((p) => p.event.channelId === c).flatMap((p) => p.event.receipts!);
    expect(published.every((p) => p.topic === "message.status" && p.event.receipts!.length <= 3)).toBe(true);
    expect(byChannel("a").map((r) => r.update.providerMessageId)).toEqual(["smsc-0", "smsc-2", "smsc-4", "smsc-6"]);
    expect(byChannel("b").map((r) => r.update.providerMessageId)).toEqual(["smsc-1", "smsc-3", "smsc-5"]);
    expect(fwd.pending).toBe(0);
  });

  it("flushes a partial batch after lingerMs without being asked", async () => {
    const { fwd, published } = harness();
    void fwd.receipt("a", receipt(1));
    expect(published).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(published).toHaveLength(1);
  });

  it("keeps retrying with capped backoff while the broker fails, in order, losing nothing", async () => {
    const { fwd, published, sleeps } = harness(6);
    void fwd.event("webhook.inbound", { n: 1 }, "inbound message");
    void fwd.event("webhook.inbound", { n: 2 }, "inbound message");
    await fwd.flushed();
    expect(published.map((p) => p.event.n)).toEqual([1, 2]);
    expect(sleeps).toEqual([100, 200, 400, 400, 400, 400]);
  });

  it("stops accepting while a publish fails, and accepts again once the broker takes it", async () => {
    let down = true;
    const published: object[] = [];
    const fwd = new BindEventForwarder(
      {
        publish: (_topic, event) =>
          down ? Promise.reject(new Error("broker down")) : (published.push(event), Promise.resolve()),
        receiptEvent: (c, r) => ({ c, r }),
        statusTopic: "s",
        log,
        sleep: () => new Promise((r) => setTimeout(r, 1)),
      },
      { lingerMs: 1 },
    );
    expect(fwd.accepting).toBe(true);
    void fwd.event("webhook.inbound", { n: 1 }, "inbound message");
    await new Promise((r) => setTimeout(r, 10));
    expect(fwd.accepting).toBe(false);
    down = false;
    await fwd.flushed();
    expect(published).toEqual([{ n: 1 }]);
    expect(fwd.accepting).toBe(true);
  });

  it("reports each receipt and event handed on only once the broker took it, so the bind answers only then", async () => {
    const { fwd, published } = harness(2);
    const order: string[] = [];
    const r1 = fwd.receipt("a", receipt(1)).then(() => order.push(`receipt after ${published.length} published`));
    const e1 = fwd.event("webhook.inbound", { n: 1 }, "inbound message").then(() => order.push("event"));
    await Promise.all([r1, e1]);
    // The event was queued first (the receipt lingered), failed twice, then went out; then the receipt.
    expect(order).toEqual(["event", "receipt after 2 published"]);
  });

  it("refuses what it still holds when stopped, so the binds answer a temporary error", async () => {
    const fwd = new BindEventForwarder(
      {
        publish: () => Promise.reject(new Error("down")),
        receiptEvent: (c, r) => ({ c, r }),
        statusTopic: "s",
        log: { ...log, warn: () => undefined, error: () => undefined } as never,
        sleep: () => new Promise((r) => setTimeout(r, 1)),
      },
      { lingerMs: 1 },
    );
    const held = fwd.receipt("a", receipt(1));
    await new Promise((r) => setTimeout(r, 20));
    // One batch is failing on the broker, the other still lingers: both are refused.
    const lingering = fwd.receipt("b", receipt(2));
    fwd.stop();
    await expect(held).rejects.toThrow(/stopped/);
    await expect(lingering).rejects.toThrow(/stopped/);
    await expect(fwd.receipt("c", receipt(3))).rejects.toThrow(/stopped/);
  });

  it("reports what is still unpublished when stopped", async () => {
    const errors: unknown[] = [];
    const fwd = new BindEventForwarder(
      {
        publish: () => Promise.reject(new Error("down")),
        receiptEvent: (c, r) => ({ c, r }),
        statusTopic: "s",
        log: { ...log, warn: () => undefined, error: (o: unknown) => errors.push(o) } as never,
        sleep: () => new Promise((r) => setTimeout(r, 1)),
      },
      { lingerMs: 1 },
    );
    const handed = [fwd.receipt("a", receipt(1)), fwd.receipt("a", receipt(2))].map((p) => p.catch(() => "refused"));
    await new Promise((r) => setTimeout(r, 20));
    fwd.stop();
    expect(errors).toEqual([{ lost: 1 }]);
    expect(await Promise.all(handed)).toEqual(["refused", "refused"]);
  });
});
