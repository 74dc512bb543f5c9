import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallbackEvent } from "../../../core/callbacks/events.js";
import { createLogger } from "../../../core/logger.js";
import { EndpointStore } from "../../../db/callbacks/endpoint-store.js";
import { InboundStore } from "../../../db/conversations/inbound-store.js";
import { closeIdleConversations } from "../../../db/conversations/threads.js";
import { runMaintenance } from "../../../db/maintenance.js";
import { SecretBox } from "../../../db/secret-box.js";
import { insertChannel } from "../../../db/testkit/embedded.js";
import { publishIdleClosed } from "../../conversations/closed-events.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/**
 * /v1/conversations on the embedded API, threads made by the inbound store itself: the inbox and
 * its filters, unread counts, the WhatsApp care window, both directions in order, replies that
 * join the thread, status and assignee, the read marker, reopening and idle close.
 */
describe("/v1/conversations", () => {
  let api: EmbeddedApi;
  let wa: string;
  let tg: string;
  const customer = "+251911000950";
  beforeAll(async () => {
    api = await startEmbeddedApi();
    wa = await insertChannel(api.db, api.accountId, { channelType: "whatsapp", provider: "default" });
    tg = await insertChannel(api.db, api.accountId, { channelType: "telegram", provider: "default" });
  });
  afterAll(async () => api.close());

  const inbound = (channelId: string, channelType: "whatsapp" | "telegram", from: string, text: string, at: Date) =>
    new InboundStore(api.db).apply(
      { id: channelId, accountId: api.accountId, channelType },
      [
        {
          providerMessageId: `p-${Math.random()}`,
          address: from,
          participantTo: "1555",
          text,
          receivedAt: at,
          name: null,
          metadata: {},
          traceId: null,
        },
      ],
      new Date(),
    );
  const list = async (filter: string[]) =>
    (await api.call("GET", `/v1/conversations?${filter.map((f) => `filter=${encodeURIComponent(f)}`).join("&")}`))
      .body as { total: number; items: Record<string, unknown>[] };

  it("threads inbound and outbound messages in order, counts unread, and shows the care window", async () => {
    const t1 = new Date(Date.now() - 60_000);
    await inbound(wa, "whatsapp", customer, "hello", t1);
    await inbound(wa, "whatsapp", customer, "anyone?", new Date(t1.getTime() + 1_000));
    const found = await list([`channel_id:eq:${wa}`, "unread:eq:true"]);
    expect(found.total).toBe(1);
    const conv = found.items[0]!;
    expect(conv).toMatchObject({
      channel_type: "whatsapp",
      participants: { contact: customer, channel: "1555", contact_id: expect.any(String) },
      status: "open",
      unread_count: 2,
      care_window: { open: true, expires_at: new Date(t1.getTime() + 1_000 + 86_400_000).toISOString() },
    });
    const id = String(conv.id);

    // A plain send to the customer joins the thread; a reply through the conversation too.
    const plain = await api.call("POST", "/v1/messages", {
      body: { channel_id: wa, delivery_address: customer, message_body: "one moment" },
    });
    expect(plain.body.conversation_id).toBe(id);
    const reply = await api.call("POST", `/v1/conversations/${id}/messages`, { body: { message_body: "here you go" } });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      conversation_id: id,
      channel_id: wa,
      delivery_address: customer,
      direction: "outbound",
      status: "queued",
    });
    const thread = await api.call("GET", `/v1/conversations/${id}/messages`);
    expect(
      (thread.body.items as { message_body: string; direction: string }[]).map((m) => [m.direction, m.message_body]),
    ).toEqual([
      ["inbound", "hello"],
      ["inbound", "anyone?"],
      ["outbound", "one moment"],
      ["outbound", "here you go"],
    ]);
    const inboundOnly = await api.call("GET", `/v1/conversations/${id}/messages?filter=direction:eq:inbound`);
    expect(inboundOnly.body.total).toBe(2);
    // WhatsApp takes read receipts; this API has no credentials key to open the channel's credentials.
    const read = await api.call("POST", `/v1/conversations/${id}/read`);
    expect(read.body).toMatchObject({ unread_count: 0, read_receipt: { outcome: "failed" } });
  });

  it("status, assignee and the read marker change and are published; a new inbound reopens; idle ones close", async () => {
    await inbound(tg, "telegram", "777001", "hi bot", new Date(Date.now() - 1_000));
    const conv = (await list([`channel_id:eq:${tg}`])).items[0]!;
    const id = String(conv.id);
    expect(conv).toMatchObject({ care_window: null, unread_count: 1 });
    const patched = await api.call("PATCH", `/v1/conversations/${id}`, {
      body: { status: "pending", assignee: "agent-17" },
    });
    expect(patched.body).toMatchObject({ status: "pending", assignee: "agent-17" });
    expect((await list(["assignee:eq:agent-17", "status:eq:pending"])).total).toBe(1);
    const read = await api.call("POST", `/v1/conversations/${id}/read`);
    expect(read.body).toMatchObject({
      unread_count: 0,
      last_read_at: expect.any(String),
      read_receipt: { outcome: "not_supported" },
    });
    expect((await list([`channel_id:eq:${tg}`, "unread:eq:false"])).total).toBe(1);
    const events = api.published.filter((e) => e.topic === "conversation.updated");
    expect(events.map((e) => (e.data as { changed: string[] }).changed)).toEqual(
      expect.arrayContaining([["status", "assignee"], ["unread_count"]]),
    );
    expect(events.at(-1)!.data).toMatchObject({
      accountId: api.accountId,
      conversation: { id, unreadCount: 0, status: "pending", assignee: "agent-17" },
    });

    await api.call("PATCH", `/v1/conversations/${id}`, { body: { status: "closed" } });
    await inbound(tg, "telegram", "777001", "still there?", new Date());
    expect((await api.call("GET", `/v1/conversations/${id}`)).body).toMatchObject({ status: "open", unread_count: 1 });

    const closed = await closeIdleConversations(api.db.orm, new Date(Date.now() + 2 * 3_600_000), 3_600_000);
    expect(closed.map((c) => c.id)).toContain(id);
    expect((await api.call("GET", `/v1/conversations/${id}`)).body.status).toBe("closed");
    // A send to the participant of a closed conversation starts no thread of its own; a reply reopens it.
    const plain = await api.call("POST", "/v1/messages", {
      body: { channel_id: tg, delivery_address: "777001", message_body: "hello again" },
    });
    expect(plain.body.conversation_id).toBeNull();
    await api.call("POST", `/v1/conversations/${id}/messages`, { body: { message_body: "we are back" } });
    expect((await api.call("GET", `/v1/conversations/${id}`)).body.status).toBe("open");
  });

  it("another account's conversation is a 404 everywhere; bad input names the field", async () => {
    const other = await api.call("GET", "/v1/conversations/00000000-0000-7000-8000-000000000000");
    expect(other.status).toBe(404);
    expect((await api.call("POST", "/v1/conversations/00000000-0000-7000-8000-000000000000/read")).status).toBe(404);
    const conv = (await list([`channel_id:eq:${wa}`])).items[0]!;
    const bad = await api.call("PATCH", `/v1/conversations/${String(conv.id)}`, { body: { status: "snoozed" } });
    expect(bad).toMatchObject({ status: 400, body: { field: "status" } });
    const both = await api.call("POST", `/v1/conversations/${String(conv.id)}/messages`, { body: {} });
    expect(both.status).toBe(400);
  });

  it("sends conversation changes to callback endpoints: a PATCH, the read marker, and the idle close", async () => {
    const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);
    await new EndpointStore(api.db, box).create(
      api.accountId,
      { url: "https://example.com/hook", description: null, eventTypes: ["conversation.updated"] },
      new Date(),
    );
    const staged = async () =>
      (
        await api.db.withSession((s) =>
          s.query<{ event_id: string }>(`SELECT event_id FROM callback_outbox WHERE account_id = $1`, [api.accountId]),
        )
      ).rows.map((r) => r.event_id);
    const callbacks = () =>
      api.published
        .filter((p) => p.topic === "callback.event")
        .flatMap((p) => (p.data as { events: CallbackEvent[] }).events)
        .filter((e) => e.type === "conversation.updated");

    await inbound(tg, "telegram", "777002", "callbacks please", new Date(Date.now() - 1_000));
    const conv = (await list([`channel_id:eq:${tg}`])).items.find(
      (c) => (c.participants as { contact: string }).contact === "777002",
    );
    const id = String(conv!.id);
    const before = callbacks().length;
    await api.call("PATCH", `/v1/conversations/${id}`, { body: { assignee: "agent-9" } });
    await api.call("POST", `/v1/conversations/${id}/read`);
    const mine = callbacks().slice(before);
    expect(mine.map((e) => [e.data.conversation_id, (e.data as { changed: string[] }).changed])).toEqual([
      [id, ["assignee"]],
      [id, ["unread_count"]],
    ]);
    expect(mine[0]).toMatchObject({ account_id: api.accountId, ordering_key: `conversation:${id}` });
    // Staged with the change (no fan-out runs here to take them out of the outbox).
    expect(await staged()).toEqual(expect.arrayContaining(mine.map((e) => e.id)));

    // The idle timer closes it: conversation.updated on pub/sub and as a callback, as a PATCH close.
    const recorded: { topic: string; data: unknown }[] = [];
    const recorder = { publish: async (topic: string, data: unknown) => void recorded.push({ topic, data }) };
    const report = await runMaintenance(api.db, new Date(Date.now() + 100 * 3_600_000), {
      conversationIdleMs: 3_600_000,
      onConversationsClosed: publishIdleClosed(recorder, createLogger("test", { level: "silent" })),
    });
    expect(report.conversationsClosed).toBeGreaterThan(0);
    const updated = recorded.filter((r) => r.topic === "conversation.updated").map((r) => r.data);
    expect(updated).toContainEqual(
      expect.objectContaining({ changed: ["status"], conversation: expect.objectContaining({ id, status: "closed" }) }),
    );
    const closedCallback = recorded
      .filter((r) => r.topic === "callback.event")
      .flatMap((r) => (r.data as { events: CallbackEvent[] }).events)
      .find((e) => e.type === "conversation.updated" && e.data.conversation_id === id);
    expect(closedCallback).toMatchObject({
      type: "conversation.updated",
      data: { status: "closed", changed: ["status"] },
    });
    expect(await staged()).toContain(closedCallback!.id);
    expect((await api.call("GET", `/v1/conversations/${id}`)).body.status).toBe("closed");
  });
});
