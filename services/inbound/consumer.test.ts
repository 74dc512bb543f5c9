import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import { createLogger } from "../../core/logger.js";
import { logLines } from "../../core/testkit/log-lines.js";
import type { InboundEvent } from "../../core/webhooks/events.js";
import { EndpointStore } from "../../db/callbacks/endpoint-store.js";
import type { Database } from "../../db/client.js";
import { SecretBox } from "../../db/secret-box.js";
import { insertChannel, openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { createInboundConsumer } from "./consumer.js";

/** The inbound consumer's events on an in-memory PGlite: published once per stored message, after the commit. */
describe("inbound consumer events", () => {
  let db: Database;
  const A = randomUUID();
  let ch: string;
  const published: { topic: string; data: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    db = await openMigratedEmbedded();
    ch = await insertChannel(db, A, { channelType: "whatsapp", provider: "default" });
  });
  afterAll(() => db.close());

  const event = (id: string, text: string): InboundEvent => ({
    eventId: randomUUID(),
    channelId: ch,
    channelType: "whatsapp",
    provider: "whatsapp",
    accountId: A,
    receivedAt: new Date().toISOString(),
    message: {
      providerMessageId: id,
      from: "251911000960",
      to: "1555",
      contentType: "text",
      text,
      receivedAt: "2026-03-10T12:00:00.000Z",
      metadata: {},
    },
  });

  it("publishes conversation.created for a new thread and message.received per stored message, never for a redelivery", async () => {
    const consumer = createInboundConsumer({
      db,
      log: createLogger("test", { destination: logLines().destination }),
      publisher: {
        publish: async (topic, data) => {
          published.push({ topic, data: data as Record<string, unknown> });
        },
      },
    });
    expect(await consumer.handle(event("wamid.1", "hello"))).toBe("stored");
    expect(await consumer.handle(event("wamid.1", "hello"))).toBe("duplicate");
    expect(await consumer.handle(event("wamid.2", "again"))).toBe("stored");
    expect(published.map((p) => p.topic)).toEqual(["conversation.created", "message.received", "message.received"]);
    const [created, first] = published;
    expect(created!.data).toMatchObject({
      accountId: A,
      type: "conversation.created",
      conversation: { channelId: ch, participantFrom: "+251911000960", status: "open", unreadCount: 1 },
    });
    const conversationId = (created!.data.conversation as { id: string }).id;
    expect(first!.data).toMatchObject({
      accountId: A,
      type: "message.received",
      message: { channelId: ch, conversationId, from: "+251911000960", text: "hello", providerMessageId: "wamid.1" },
    });
    expect(new Set(published.map((p) => p.data.eventId)).size).toBe(3);
  });

  it("emits conversation.created and message.received callbacks, staged for an account with an endpoint", async () => {
    const B = randomUUID();
    const chB = await insertChannel(db, B, { channelType: "whatsapp", provider: "default" });
    const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);
    await new EndpointStore(db, box).create(
      B,
      { url: "https://example.com/hook", description: null, eventTypes: ["conversation.created"] },
      new Date(),
    );
    const emitted: CallbackEvent[] = [];
    const consumer = createInboundConsumer({
      db,
      log: createLogger("test", { destination: logLines().destination }),
      // The publish is lost: what was staged still reaches the endpoint through the sweep.
      callbacks: { emit: (events) => (emitted.push(...events), Promise.resolve()) },
    });
    expect(await consumer.handle({ ...event("wamid.b1", "hi"), channelId: chB, accountId: B })).toBe("stored");
    expect(emitted.map((e) => e.type)).toEqual(["conversation.created", "message.received"]);
    const created = emitted[0]!;
    expect(created).toMatchObject({
      account_id: B,
      ordering_key: expect.stringMatching(/^conversation:/),
      data: { channel_id: chB, participant_from: "+251911000960", status: "open", unread_count: 1 },
    });
    // Only the type the account's endpoint takes is staged.
    const staged = await db.withSession((s) =>
      s.query<{ event_id: string }>(`SELECT event_id FROM callback_outbox WHERE account_id = $1`, [B]),
    );
    expect(staged.rows.map((r) => r.event_id)).toEqual([created.id]);
  });

  it("a message that reopens a closed or pending conversation publishes conversation.updated and stages its callback", async () => {
    const C = randomUUID();
    const chC = await insertChannel(db, C, { channelType: "whatsapp", provider: "default" });
    const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);
    await new EndpointStore(db, box).create(
      C,
      { url: "https://example.com/hook", description: null, eventTypes: ["conversation.updated"] },
      new Date(),
    );
    const topics: { topic: string; data: Record<string, unknown> }[] = [];
    const emitted: CallbackEvent[] = [];
    const consumer = createInboundConsumer({
      db,
      log: createLogger("test", { destination: logLines().destination }),
      publisher: { publish: async (topic, data) => void topics.push({ topic, data: data as Record<string, unknown> }) },
      callbacks: { emit: (events) => (emitted.push(...events), Promise.resolve()) },
    });
    const send = (id: string) => consumer.handle({ ...event(id, "hi"), channelId: chC, accountId: C });
    const setStatus = (status: string) =>
      db.withSession((s) => s.query(`UPDATE conversations SET status = $2 WHERE channel_id = $1`, [chC, status]));
    const updated = () => emitted.filter((e) => e.type === "conversation.updated");
    const staged = async () =>
      (
        await db.withSession((s) =>
          s.query<{ event_id: string }>(`SELECT event_id FROM callback_outbox WHERE account_id = $1`, [C]),
        )
      ).rows.map((r) => r.event_id);

    expect(await send("wamid.c1")).toBe("stored");
    // A message to an open conversation changes no status: no conversation.updated.
    expect(await send("wamid.c2")).toBe("stored");
    expect(updated()).toHaveLength(0);
    expect(topics.filter((t) => t.topic === "conversation.updated")).toHaveLength(0);

    await setStatus("closed");
    expect(await send("wamid.c3")).toBe("stored");
    expect(updated()).toHaveLength(1);
    expect(updated()[0]).toMatchObject({
      account_id: C,
      ordering_key: expect.stringMatching(/^conversation:/),
      data: { channel_id: chC, status: "open", unread_count: 3, changed: ["status"] },
    });
    const event1 = topics.find((t) => t.topic === "conversation.updated")!;
    expect(event1.data).toMatchObject({
      accountId: C,
      type: "conversation.updated",
      conversation: { channelId: chC, status: "open", unreadCount: 3 },
      changed: ["status"],
    });
    expect(await staged()).toEqual([updated()[0]!.id]);

    await setStatus("pending");
    expect(await send("wamid.c4")).toBe("stored");
    expect(updated()).toHaveLength(2);
    expect(updated()[1]!.id).not.toBe(updated()[0]!.id);
    // A redelivery stores nothing and reopens nothing.
    await setStatus("closed");
    expect(await send("wamid.c4")).toBe("duplicate");
    expect(updated()).toHaveLength(2);
  });
});
