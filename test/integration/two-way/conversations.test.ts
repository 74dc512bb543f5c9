import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matrixChannels } from "../matrix/channels.js";
import { startMatrixHarness, type MatrixHarness } from "../matrix/harness.js";
import { eventually } from "../support/stack.js";

/**
 * A support thread on the production set (RabbitMQ, PostgreSQL, real sidecars, the simulator):
 * the customer writes in on WhatsApp, the conversation appears with its unread count and open
 * care window, an agent replies through the conversation, WhatsApp (the simulator) receives the
 * text, its receipt brings the reply to delivered, the thread lists both directions in order, and
 * the read marker sends WhatsApp its read receipt.
 */
const BASE = 31_800;
const label = "whatsapp";

let m: MatrixHarness;
beforeAll(async () => {
  m = await startMatrixHarness(BASE, (sim) => matrixChannels(sim).filter((c) => c.label === label));
}, 240_000);
afterAll(async () => m?.stop());

describe("conversations", () => {
  it("inbound → conversation → reply through the API → the provider got it → delivered, threaded both ways", async () => {
    const ch = m.channels[0]!;
    const channelId = m.channelIds.get(label)!;
    const customer = ch.address(950);
    await m.simInbound({
      ...(ch.inbound as { provider: string }),
      from: customer,
      to: "8080",
      text: "where is my order?",
    });
    const inbound = await m.inbound(channelId, "where is my order?");

    const conv = await eventually(
      "the conversation listed",
      async () => {
        const r = await m.api("GET", `/v1/conversations?filter=${encodeURIComponent(`channel_id:eq:${channelId}`)}`);
        return (r.body.items as Record<string, unknown>[] | undefined)?.[0];
      },
      20_000,
    );
    expect(conv).toMatchObject({
      channel_type: "whatsapp",
      participants: { contact: inbound.delivery_address },
      status: "open",
      unread_count: 1,
      care_window: { open: true, expires_at: expect.any(String) },
    });
    const id = String(conv.id);

    const reply = await m.api("POST", `/v1/conversations/${id}/messages`, { message_body: "It ships today." });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ conversation_id: id, delivery_address: inbound.delivery_address });
    const [row] = await eventually(
      "the reply delivered",
      async () => {
        const rows = await m.messages({ ids: [reply.body.id as string] });
        return rows[0]?.status === "delivered" ? rows : undefined;
      },
      60_000,
    );
    const got = await m.received(ch.simProvider, ch.simTo(inbound.delivery_address));
    expect(got).toEqual([expect.objectContaining({ text: "It ships today.", id: row!.provider_message_id })]);

    const thread = await m.api("GET", `/v1/conversations/${id}/messages`);
    expect(
      (thread.body.items as { direction: string; message_body: string; status: string }[]).map((x) => [
        x.direction,
        x.message_body,
        x.status,
      ]),
    ).toEqual([
      ["inbound", "where is my order?", "delivered"],
      ["outbound", "It ships today.", "delivered"],
    ]);
    const read = await m.api("POST", `/v1/conversations/${id}/read`);
    expect(read.body).toMatchObject({ unread_count: 0, read_receipt: { outcome: "sent" } });
    // The simulator records WhatsApp's read receipt under our phone number id, by the customer's message id.
    const phoneNumberId = String((ch.body.credentials as Record<string, unknown>).phone_number_id);
    expect(await m.received(ch.simProvider, phoneNumberId)).toEqual([
      expect.objectContaining({ id: inbound.provider_message_id, type: "read" }),
    ]);
    const closed = await m.api("PATCH", `/v1/conversations/${id}`, { status: "closed", assignee: "agent-1" });
    expect(closed.body).toMatchObject({ status: "closed", assignee: "agent-1" });
    await m.simInbound({ ...(ch.inbound as { provider: string }), from: customer, to: "8080", text: "thanks!" });
    await m.inbound(channelId, "thanks!");
    expect((await m.api("GET", `/v1/conversations/${id}`)).body).toMatchObject({ status: "open", unread_count: 1 });
  });
});
