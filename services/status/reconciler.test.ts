import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { MessageStatusEvent } from "../../core/webhooks/events.js";
import type { Database } from "../../db/client.js";
import { campaignCounterSink } from "../../db/campaigns/receipt-counters.js";
import { currentCounters } from "../../db/campaigns/counter-fold.js";
import { ParkedReceiptStore } from "../../db/messages/parked-receipts.js";
import {
  eventsOf,
  insertCampaign,
  insertChannel,
  insertMessage,
  messageRow,
  openMigratedEmbedded,
} from "../../db/testkit/embedded.js";
import { createStatusConsumer } from "./consumer.js";
import { createReceiptReconciler } from "./reconciler.js";

/**
 * Receipts that arrive before their send is recorded, on an in-memory PGlite with the migrations
 * applied: the consumer parks them and acknowledges (no redelivery through the broker), the
 * reconciler applies them once the send is recorded, and gives them up past the early window.
 */
describe("early receipts", () => {
  let db: Database;
  const A = randomUUID();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger("test", {
    level: "warn",
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });

  beforeAll(async () => {
    db = await openMigratedEmbedded();
  });
  afterAll(() => db.close());

  const setup = async (earlyWindowMs = 10 * 60_000) => {
    const counters = await campaignCounterSink(db);
    const options = { earlyWindowMs, maxWaitMs: 1 };
    return {
      consumer: createStatusConsumer({ db, counters, log, options }),
      reconciler: createReceiptReconciler({ db, counters, log, options: { earlyWindowMs } }),
    };
  };

  const receipt = (channelId: string, providerMessageId: string, receivedAt = new Date()): MessageStatusEvent => ({
    eventId: randomUUID(),
    channelId,
    channelType: "sms",
    provider: "twilio",
    receivedAt: receivedAt.toISOString(),
    update: {
      providerMessageId,
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
  });

  /** What the dispatcher writes when the provider accepted the send. */
  const recordSend = (id: string, providerMessageId: string) =>
    db.withSession((s) =>
      s.query(
        `UPDATE messages SET status = 'sent', sent_at = now(), provider_message_id = $2 WHERE id = $1 AND status = 'sending'`,
        [id, providerMessageId],
      ),
    );

  const parkedCount = () => new ParkedReceiptStore(db).count();

  it("acknowledges a receipt for a message still sending instead of asking for redelivery", async () => {
    const { consumer } = await setup();
    const channelId = await insertChannel(db, A);
    const m = await insertMessage(db, {
      accountId: A,
      channelId,
      status: "sending",
      createdAt: new Date(),
      providerMessageId: "SM-early-1",
    });
    const before = await parkedCount();

    expect(await consumer.handle(receipt(channelId, "SM-early-1"))).toBe("SUCCESS");

    expect(await parkedCount()).toBe(before + 1);
    expect(await messageRow(db, m.id)).toMatchObject({ status: "sending" });
  });

  it("still answers a database failure with a redelivery (the handler fails, not acknowledges)", async () => {
    const down = new Error("connection terminated");
    const broken: Database = {
      ...db,
      kind: db.kind,
      orm: db.orm,
      withSession: () => Promise.reject(down),
      transaction: () => Promise.reject(down),
    };
    const consumer = createStatusConsumer({ db: broken, counters: await campaignCounterSink(db), log });
    await expect(consumer.handle(receipt(randomUUID(), "SM-db-down"))).rejects.toBe(down);
  });

  it("parks a receipt no row matches yet, and a batch (SMPP bind) of early receipts, without RETRY", async () => {
    const { consumer } = await setup();
    const channelId = await insertChannel(db, A);
    const before = await parkedCount();
    const a = receipt(channelId, "SM-nobody-1");
    const b = receipt(channelId, "SM-nobody-2");
    expect(await consumer.handle(a)).toBe("SUCCESS");
    const { update: _u, ...origin } = b;
    expect(
      await consumer.handle({
        ...origin,
        eventId: randomUUID(),
        receipts: [{ update: b.update }, { update: a.update }],
      }),
    ).toBe("SUCCESS");
    expect(await parkedCount()).toBe(before + 3);
  });

  it("applies a parked receipt once the send is recorded: status, events and campaign counters", async () => {
    const { consumer, reconciler } = await setup();
    const channelId = await insertChannel(db, A);
    const now = new Date();
    const campaignId = await insertCampaign(db, A, channelId, now);
    const m = await insertMessage(db, {
      accountId: A,
      channelId,
      status: "sending",
      createdAt: now,
      groupMessageId: campaignId,
    });
    expect(await consumer.handle(receipt(channelId, "SM-late-send"))).toBe("SUCCESS");
    // Not yet: the round hands it back.
    expect((await reconciler.round()).waiting).toBeGreaterThanOrEqual(1);
    expect(await messageRow(db, m.id)).toMatchObject({ status: "sending" });

    await recordSend(m.id, "SM-late-send");
    const r = await reconciler.round(new Date(Date.now() + 60_000));

    expect(r.applied).toBeGreaterThanOrEqual(1);
    expect(await messageRow(db, m.id)).toMatchObject({ status: "delivered" });
    expect((await eventsOf(db, m.id)).map((e) => [e.from_status, e.to_status])).toContainEqual(["sent", "delivered"]);
    expect(await currentCounters(db, campaignId)).toMatchObject({ sent: 1, delivered: 1, failed: 0 });
    const left = await db.withSession((s) =>
      s.query(`SELECT 1 FROM parked_receipts WHERE event->'update'->>'providerMessageId' = 'SM-late-send'`),
    );
    expect(left.rows).toEqual([]);
  });

  it("gives up a parked receipt past the early window: removed, counted and logged once", async () => {
    const { consumer, reconciler } = await setup(60_000);
    const channelId = await insertChannel(db, A);
    expect(await consumer.handle(receipt(channelId, "SM-never-sent"))).toBe("SUCCESS");
    const where = `WHERE event->'update'->>'providerMessageId' = 'SM-never-sent'`;
    const rows = () => db.withSession((s) => s.query(`SELECT 1 FROM parked_receipts ${where}`));
    expect((await rows()).rows).toHaveLength(1);

    const r = await reconciler.round(new Date(Date.now() + 2 * 60_000));
    await reconciler.round(new Date(Date.now() + 4 * 60_000));

    expect(r.expired).toBeGreaterThanOrEqual(1);
    expect((await rows()).rows).toEqual([]);
    const logged = lines.filter(
      (l) => l.msg === "parked receipt given up after the early window" && l.providerMessageId === "SM-never-sent",
    );
    expect(logged).toHaveLength(1);
  });

  it("lets two reconcilers share the parked receipts without taking the same ones", async () => {
    const { reconciler: one } = await setup();
    const { reconciler: two } = await setup();
    const channelId = await insertChannel(db, A);
    const store = new ParkedReceiptStore(db);
    // Drain whatever the other tests left due, then park a fresh set.
    await store.claim(10_000, new Date(Date.now() + 3_600_000), 3_600_000);
    await store.park(Array.from({ length: 6 }, (_, i) => receipt(channelId, `SM-shared-${i}`)));
    const [a, b] = await Promise.all([one.round(), two.round()]);
    expect(a.claimed + b.claimed).toBe(6);
  });
});
