import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduledMessageEventSchema } from "../../../core/events.js";
import { account, makeChannel, startHarness, type Harness } from "./harness.js";

describe("/v1/scheduled-messages", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let channel: { id: string };
  let group: string;
  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
    channel = await makeChannel(h, a.token);
    group = (await h.call("POST", "/v1/contact-groups", { token: a.token, body: { name: `g-${randomUUID()}` } })).body
      .id;
  });
  afterAll(async () => h.close());

  const create = (body: Record<string, unknown>, token = a.token) =>
    h.call("POST", "/v1/scheduled-messages", {
      token,
      body: { channel_id: channel.id, message_body: "Reminder", scheduled_at: "2026-03-11T09:00:00Z", ...body },
    });

  it("schedules single and recurring group sends; next_trigger_at starts at scheduled_at", async () => {
    h.publisher.clear();
    const single = await create({ send_type: "single", delivery_address: "123456" });
    expect(single.status).toBe(201);
    expect(single.body).toMatchObject({
      status: "pending",
      send_type: "single",
      next_trigger_at: "2026-03-11T09:00:00.000Z",
      trigger_count: 0,
      timezone: "UTC",
    });
    const weekly = await create({
      send_type: "group",
      contact_group_ids: [group],
      is_recurring: true,
      recurrence_rule: "weekly:mon,wed,fri",
      timezone: "Africa/Addis_Ababa",
    });
    expect(weekly.body).toMatchObject({
      is_recurring: true,
      recurrence_rule: "weekly:mon,wed,fri",
      timezone: "Africa/Addis_Ababa",
    });
    const created = h.publisher.on("scheduled_message.created");
    expect(created).toHaveLength(2);
    expect(scheduledMessageEventSchema.parse(created[0]!.data).scheduledMessageId).toBe(single.body.id);
  });

  it.each([
    [{ send_type: "single" }, "delivery_address"],
    [{ send_type: "group" }, "contact_group_ids"],
    [{ send_type: "single", delivery_address: "1", contact_group_ids: [randomUUID()] }, "contact_group_ids"],
    [{ send_type: "single", delivery_address: "1", is_recurring: true }, "recurrence_rule"],
    [
      { send_type: "single", delivery_address: "1", is_recurring: true, recurrence_rule: "every tuesday" },
      "recurrence_rule",
    ],
    [{ send_type: "single", delivery_address: "1", recurrence_rule: "daily" }, "recurrence_rule"],
    [{ send_type: "single", delivery_address: "1", timezone: "Mars/Olympus" }, "timezone"],
    [{ send_type: "single", delivery_address: "1", scheduled_at: "2026-03-01T09:00:00Z" }, "scheduled_at"],
    [{ send_type: "single", delivery_address: "1", scheduled_at: "tomorrow" }, "scheduled_at"],
    [{ send_type: "single", delivery_address: "not a chat" }, "delivery_address"],
    [
      {
        send_type: "single",
        delivery_address: "1",
        is_recurring: true,
        recurrence_rule: "daily",
        recurrence_end_at: "2026-03-10T00:00:00Z",
      },
      "recurrence_end_at",
    ],
  ])("refuses %j naming %s", async (body, field) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
  });

  it("pauses, resumes and cancels with their events; edits only while pending or paused", async () => {
    const s = (await create({ send_type: "single", delivery_address: "1" })).body;
    h.publisher.clear();
    const patch = (body: Record<string, unknown>) =>
      h.call("PATCH", `/v1/scheduled-messages/${s.id}`, { token: a.token, body });
    expect((await patch({ status: "paused" })).body.status).toBe("paused");
    expect((await patch({ scheduled_at: "2026-03-12T10:00:00Z" })).body.next_trigger_at).toBe(
      "2026-03-12T10:00:00.000Z",
    );
    expect((await patch({ status: "pending" })).body.status).toBe("pending");
    expect((await patch({ status: "cancelled" })).body.status).toBe("cancelled");
    expect(h.publisher.events.map((e) => e.topic)).toEqual([
      "scheduled_message.paused",
      "scheduled_message.updated",
      "scheduled_message.resumed",
      "scheduled_message.cancelled",
    ]);
    expect((await patch({ status: "pending" })).body.code).toBe("invalid_transition");
    expect((await patch({ message_body: "new" })).body.code).toBe("invalid_state");
    expect((await patch({ status: "triggered" })).body.field).toBe("status");
  });

  it("isolates accounts and deletes", async () => {
    const s = (await create({ send_type: "single", delivery_address: "1" })).body;
    expect((await h.call("GET", `/v1/scheduled-messages/${s.id}`, { token: b.token })).status).toBe(404);
    expect(
      (await h.call("PATCH", `/v1/scheduled-messages/${s.id}`, { token: b.token, body: { status: "paused" } })).status,
    ).toBe(404);
    expect(
      (await h.call("GET", "/v1/scheduled-messages", { token: b.token, query: { filter: "send_type:eq:single" } })).body
        .total,
    ).toBe(0);
    const mine = await h.call("GET", "/v1/scheduled-messages", {
      token: a.token,
      query: { filter: ["send_type:eq:single", "next_trigger_at:le:2026-03-11T09:00:00Z"], sort: "scheduled_at:asc" },
    });
    expect(mine.body.items.some((x: { id: string }) => x.id === s.id)).toBe(true);
    expect((await h.call("DELETE", `/v1/scheduled-messages/${s.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/scheduled-messages/${s.id}`, { token: a.token })).status).toBe(204);
  });
});
