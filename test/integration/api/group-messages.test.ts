import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupMessageEventSchema } from "../../../core/events.js";
import { account, makeChannel, startHarness, type Harness } from "./harness.js";

describe("/v1/group-messages", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let channel: { id: string };
  let groups: string[];
  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
    channel = await makeChannel(h, a.token);
    groups = [];
    const contacts: string[] = [];
    for (let i = 0; i < 3; i++)
      contacts.push(
        (await h.call("POST", "/v1/contacts", { token: a.token, body: { name: `c${i}`, phone: `+25191100000${i}` } }))
          .body.id,
      );
    for (const members of [contacts.slice(0, 2), contacts.slice(1)]) {
      const g = (await h.call("POST", "/v1/contact-groups", { token: a.token, body: { name: `g-${randomUUID()}` } }))
        .body;
      await h.call("POST", `/v1/contact-groups/${g.id}/members`, { token: a.token, body: { contact_ids: members } });
      groups.push(g.id);
    }
  });
  afterAll(async () => h.close());

  const create = (body: Record<string, unknown>, opts: { token?: string; key?: string } = {}) =>
    h.call("POST", "/v1/group-messages", {
      token: opts.token ?? a.token,
      body: { channel_id: channel.id, message_body: "Hi {NAME}", contact_group_ids: groups, ...body },
      headers: opts.key ? { "idempotency-key": opts.key } : {},
    });

  it("creates a draft with the distinct recipient count, then queues it (event group_message.queued)", async () => {
    h.publisher.clear();
    const draft = await create({ name: "spring sale" });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({
      status: "draft",
      total_recipients: 3,
      contact_group_ids: groups,
      queued_at: null,
    });
    expect(h.publisher.on("group_message.created")).toHaveLength(1);
    expect(h.publisher.on("group_message.queued")).toHaveLength(0);
    const queued = await h.call("PATCH", `/v1/group-messages/${draft.body.id}`, {
      token: a.token,
      body: { status: "queued" },
    });
    expect(queued.body).toMatchObject({ status: "queued", queued_at: "2026-03-10T12:00:00.000Z" });
    const events = h.publisher.on("group_message.queued");
    expect(events).toHaveLength(1);
    expect(groupMessageEventSchema.parse(events[0]!.data)).toMatchObject({
      groupMessageId: draft.body.id,
      channelId: channel.id,
      status: "queued",
      accountId: a.id,
    });
    expect(events[0]!.data.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
    // Once queued, content is frozen.
    expect(
      (await h.call("PATCH", `/v1/group-messages/${draft.body.id}`, { token: a.token, body: { name: "late" } })).body
        .code,
    ).toBe("invalid_state");
  });

  it("creates queued at once, with Idempotency-Key replay and 409 on another body", async () => {
    h.publisher.clear();
    const key = randomUUID();
    const first = await create({ status: "queued" }, { key });
    const again = await create({ status: "queued" }, { key });
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(h.publisher.on("group_message.queued")).toHaveLength(1);
    expect((await create({ status: "draft" }, { key })).status).toBe(409);
  });

  it("cancels from draft, queued and processing; a completed one can be neither re-queued nor cancelled", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await create({})).body.id);
    await h.call("PATCH", `/v1/group-messages/${ids[1]}`, { token: a.token, body: { status: "queued" } });
    await h.call("PATCH", `/v1/group-messages/${ids[2]}`, { token: a.token, body: { status: "queued" } });
    await h.db.withSession((s) => s.query("UPDATE group_messages SET status = 'processing' WHERE id = $1", [ids[2]]));
    for (const id of ids.slice(0, 3)) {
      const r = await h.call("PATCH", `/v1/group-messages/${id}`, { token: a.token, body: { status: "cancelled" } });
      expect(r.body.status).toBe("cancelled");
    }
    expect(h.publisher.on("group_message.cancelled").length).toBeGreaterThanOrEqual(3);
    await h.db.withSession((s) => s.query("UPDATE group_messages SET status = 'completed' WHERE id = $1", [ids[3]]));
    for (const status of ["queued", "cancelled"]) {
      const r = await h.call("PATCH", `/v1/group-messages/${ids[3]}`, { token: a.token, body: { status } });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({
        code: "invalid_transition",
        detail: `status cannot change from completed to ${status}`,
      });
    }
    expect(
      (await h.call("PATCH", `/v1/group-messages/${ids[3]}`, { token: a.token, body: { status: "processing" } })).body
        .field,
    ).toBe("status");
  });

  it("checks every reference belongs to the account", async () => {
    const theirGroup = (await h.call("POST", "/v1/contact-groups", { token: b.token, body: { name: "theirs" } })).body;
    expect((await create({ contact_group_ids: [groups[0], theirGroup.id] })).body).toMatchObject({
      code: "invalid_reference",
      field: "contact_group_ids[1]",
    });
    const theirChannel = await makeChannel(h, b.token);
    expect((await create({ channel_id: theirChannel.id })).body.field).toBe("channel_id");
    const theirTemplate = (await h.call("POST", "/v1/templates", { token: b.token, body: { name: "x", body: "x" } }))
      .body;
    expect((await create({ template_id: theirTemplate.id, message_body: undefined })).body.field).toBe("template_id");
    expect((await create({ contact_group_ids: [] })).body.field).toBe("contact_group_ids");
    expect((await create({ contact_group_ids: [groups[0], groups[0]] })).body.field).toBe("contact_group_ids");
  });

  it("edits drafts, deletes drafts, and isolates accounts", async () => {
    const g = (await create({})).body;
    const t = (
      await h.call("POST", "/v1/templates", {
        token: a.token,
        body: { name: `t-${randomUUID()}`, body: "Hello {NAME}" },
      })
    ).body;
    const edited = await h.call("PATCH", `/v1/group-messages/${g.id}`, {
      token: a.token,
      body: { template_id: t.id, contact_group_ids: [groups[0]] },
    });
    expect(edited.body).toMatchObject({ template_id: t.id, message_body: null, total_recipients: 2 });
    expect((await h.call("GET", `/v1/group-messages/${g.id}`, { token: b.token })).status).toBe(404);
    expect(
      (await h.call("PATCH", `/v1/group-messages/${g.id}`, { token: b.token, body: { status: "cancelled" } })).status,
    ).toBe(404);
    expect(
      (await h.call("GET", "/v1/group-messages", { token: b.token, query: { filter: `id:eq:${g.id}` } })).body.total,
    ).toBe(0);
    expect((await h.call("DELETE", `/v1/group-messages/${g.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/group-messages/${g.id}`, { token: a.token })).status).toBe(204);
    const q = (await create({ status: "queued" })).body;
    expect((await h.call("DELETE", `/v1/group-messages/${q.id}`, { token: a.token })).body.code).toBe("invalid_state");
    const listed = await h.call("GET", "/v1/group-messages", {
      token: a.token,
      query: { filter: ["status:eq:queued", "total_recipients:ge:3"], sort: "created_at:desc" },
    });
    expect(listed.body.items.every((x: { status: string }) => x.status === "queued")).toBe(true);
  });
});
