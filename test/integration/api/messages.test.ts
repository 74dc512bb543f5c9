import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageCreatedEventSchema } from "../../../core/events.js";
import { account, makeChannel, startHarness, type Harness } from "./harness.js";

const twilio = { account_sid: `AC${"b".repeat(32)}`, auth_token: "twilio-auth-token-0123456789", from: "+15005550006" };

describe("/v1/messages", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let tg: { id: string };
  let sms: { id: string };
  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
    tg = await makeChannel(h, a.token);
    sms = (
      await h.call("POST", "/v1/channels", {
        token: a.token,
        body: { name: "sms", channel_type: "sms", provider: "twilio", credentials: twilio },
      })
    ).body;
  });
  afterAll(async () => h.close());

  const send = (
    body: Record<string, unknown>,
    opts: { token?: string; key?: string; headers?: Record<string, string> } = {},
  ) =>
    h.call("POST", "/v1/messages", {
      token: opts.token ?? a.token,
      body,
      headers: { ...(opts.key ? { "idempotency-key": opts.key } : {}), ...opts.headers },
    });

  it("stores a queued message and hands it to its channel type's dispatch topic with the trace context", async () => {
    h.publisher.clear();
    const traceparent = `00-${"ab".repeat(16)}-${"cd".repeat(8)}-01`;
    const res = await send(
      { channel_id: tg.id, delivery_address: "123456", message_body: "Hello", priority: 5 },
      { headers: { traceparent } },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "queued",
      direction: "outbound",
      channel_type: "telegram",
      priority: 5,
      trace_id: "ab".repeat(16),
      created_at: "2026-03-10T12:00:00.000Z",
    });
    const events = h.publisher.on("message.dispatch.telegram");
    expect(events).toHaveLength(1);
    const event = messageCreatedEventSchema.parse(events[0]!.data);
    expect(event).toMatchObject({
      type: "message.created",
      messageId: res.body.id,
      channelId: tg.id,
      accountId: a.id,
      createdAt: res.body.created_at,
      traceparent,
    });
    expect(events[0]!.opts?.traceparent).toBe(traceparent);
    const history = await h.call("GET", `/v1/messages/${res.body.id}/events`, { token: a.token });
    expect(history.body.items).toMatchObject([{ event_type: "created", from_status: null, to_status: "queued" }]);
  });

  it("lands the row in the month's partition", async () => {
    h.clock.current = new Date("2026-04-02T08:00:00Z");
    // Tokens are checked against the same clock; mint one for the new time.
    const res = await send(
      { channel_id: tg.id, delivery_address: "123456", message_body: "April" },
      { token: await h.token({ accounts: [a.id] }) },
    );
    expect(res.status, res.text).toBe(201);
    h.clock.current = new Date("2026-03-10T12:00:00Z");
    const part = await h.db.withSession((s) =>
      s.query<{ p: string }>("SELECT tableoid::regclass::text AS p FROM messages WHERE id = $1", [res.body.id]),
    );
    expect(part.rows[0]!.p).toBe("messages_2026_04");
  });

  it("keeps the row and answers 201 when the broker refuses the event", async () => {
    h.publisher.failing = true;
    try {
      const res = await send({ channel_id: tg.id, delivery_address: "123456", message_body: "still stored" });
      expect(res.status).toBe(201);
      expect((await h.call("GET", `/v1/messages/${res.body.id}`, { token: a.token })).body.status).toBe("queued");
      expect(h.logs.some((l) => l.includes("record of intent"))).toBe(true);
    } finally {
      h.publisher.failing = false;
    }
  });

  it("counts SMS encoding and segments", async () => {
    const gsm = await send({ channel_id: sms.id, delivery_address: "+251911000000", message_body: "a".repeat(161) });
    expect(gsm.body).toMatchObject({ encoding: "gsm7", segments: 2 });
    const ucs = await send({ channel_id: sms.id, delivery_address: "+251911000000", message_body: "ሰላም" });
    expect(ucs.body).toMatchObject({ encoding: "ucs2", segments: 1 });
    expect((await send({ channel_id: tg.id, delivery_address: "1", message_body: "x" })).body.segments).toBeNull();
  });

  it("validates the delivery address for the channel type", async () => {
    const res = await send({ channel_id: sms.id, delivery_address: "not-a-number", message_body: "x" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "validation_error", field: "delivery_address" });
  });

  it("renders a template for a contact; the skip strategy records a skipped message and dispatches nothing", async () => {
    const contact = (
      await h.call("POST", "/v1/contacts", {
        token: a.token,
        body: { name: "Abebe Bikila", phone: "+251911000001", metadata: { code: "A1" } },
      })
    ).body;
    const t = (
      await h.call("POST", "/v1/templates", {
        token: a.token,
        body: { name: `t-${randomUUID()}`, body: "Hi {FIRST_NAME}, code {CODE}", fallback_strategy: "skip" },
      })
    ).body;
    const ok = await send({ channel_id: tg.id, delivery_address: "1", template_id: t.id, contact_id: contact.id });
    expect(ok.body).toMatchObject({
      message_body: "Hi Abebe, code A1",
      status: "queued",
      template_id: t.id,
      contact_id: contact.id,
    });
    h.publisher.clear();
    const skipped = await send({ channel_id: tg.id, delivery_address: "1", template_id: t.id });
    expect(skipped.status).toBe(201);
    expect(skipped.body).toMatchObject({
      status: "skipped",
      error_code: "missing_variables",
      message_body: "Hi {FIRST_NAME}, code {CODE}",
    });
    expect(h.publisher.events).toHaveLength(0);
    const otherContact = (await h.call("POST", "/v1/contacts", { token: b.token, body: { name: "B" } })).body;
    expect(
      (await send({ channel_id: tg.id, delivery_address: "1", template_id: t.id, contact_id: otherContact.id })).body,
    ).toMatchObject({ code: "invalid_reference", field: "contact_id" });
    expect(
      (await send({ channel_id: tg.id, delivery_address: "1", template_id: t.id, message_body: "both" })).body,
    ).toMatchObject({ code: "validation_error", field: "message_body" });
  });

  it("refuses channels that are disabled, draining, or in another account", async () => {
    const off = await makeChannel(h, a.token);
    await h.call("PATCH", `/v1/channels/${off.id}`, { token: a.token, body: { is_enabled: false } });
    expect((await send({ channel_id: off.id, delivery_address: "1", message_body: "x" })).body).toMatchObject({
      code: "channel_disabled",
    });
    const draining = await makeChannel(h, a.token, { status: "draining" });
    expect((await send({ channel_id: draining.id, delivery_address: "1", message_body: "x" })).status).toBe(409);
    const theirs = await makeChannel(h, b.token);
    expect((await send({ channel_id: theirs.id, delivery_address: "1", message_body: "x" })).body).toMatchObject({
      code: "invalid_reference",
      field: "channel_id",
    });
    // A paused channel accepts the message and holds it.
    const paused = await makeChannel(h, a.token, { status: "paused" });
    expect((await send({ channel_id: paused.id, delivery_address: "1", message_body: "x" })).status).toBe(201);
  });

  describe("Idempotency-Key", () => {
    it("the same key and body return the original message and publish once", async () => {
      h.publisher.clear();
      const key = randomUUID();
      const body = { channel_id: tg.id, delivery_address: "777", message_body: "once" };
      const first = await send(body, { key });
      const second = await send({ message_body: "once", delivery_address: "777", channel_id: tg.id }, { key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect(h.publisher.on("message.dispatch.telegram")).toHaveLength(1);
      const listed = await h.call("GET", "/v1/messages", {
        token: a.token,
        query: { filter: "delivery_address:eq:777" },
      });
      expect(listed.body.total).toBe(1);
    });

    it("the same key with another body is a 409", async () => {
      const key = randomUUID();
      await send({ channel_id: tg.id, delivery_address: "778", message_body: "one" }, { key });
      const other = await send({ channel_id: tg.id, delivery_address: "778", message_body: "two" }, { key });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe("idempotency_key_reused");
    });

    it("concurrent retries create one message", async () => {
      const key = randomUUID();
      const body = { channel_id: tg.id, delivery_address: "779", message_body: "race" };
      const results = await Promise.all(Array.from({ length: 8 }, () => send(body, { key })));
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(results.every((r) => r.status === 201)).toBe(true);
      expect(
        (await h.call("GET", "/v1/messages", { token: a.token, query: { filter: "delivery_address:eq:779" } })).body
          .total,
      ).toBe(1);
    });

    it("keys are per account, and a failed request does not use up the key", async () => {
      const key = randomUUID();
      const bad = await send({ channel_id: randomUUID(), delivery_address: "780", message_body: "x" }, { key });
      expect(bad.status).toBe(400);
      expect((await send({ channel_id: tg.id, delivery_address: "780", message_body: "x" }, { key })).status).toBe(201);
      const bch = await makeChannel(h, b.token);
      const fromB = await send(
        { channel_id: bch.id, delivery_address: "780", message_body: "x" },
        { key, token: b.token },
      );
      expect(fromB.status).toBe(201);
      expect(fromB.headers.get("idempotent-replayed")).toBeNull();
      expect(
        (await send({ channel_id: tg.id, delivery_address: "1", message_body: "x" }, { key: "bad key with spaces" }))
          .body.field,
      ).toBe("Idempotency-Key");
    });
  });

  it("cancels a queued message once; other transitions are refused", async () => {
    const m = (await send({ channel_id: tg.id, delivery_address: "1", message_body: "cancel me" })).body;
    const cancelled = await h.call("PATCH", `/v1/messages/${m.id}`, { token: a.token, body: { status: "cancelled" } });
    expect(cancelled.body.status).toBe("cancelled");
    const again = await h.call("PATCH", `/v1/messages/${m.id}`, { token: a.token, body: { status: "cancelled" } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("invalid_transition");
    const sent = await h.call("PATCH", `/v1/messages/${m.id}`, { token: a.token, body: { status: "sent" } });
    expect(sent.status).toBe(400);
    expect(sent.body.field).toBe("status");
    const events = await h.call("GET", `/v1/messages/${m.id}/events`, { token: a.token });
    expect(events.body.items.map((e: { to_status: string }) => e.to_status)).toEqual(["queued", "cancelled"]);
    expect(
      (await h.call("PATCH", `/v1/messages/${m.id}`, { token: a.token, body: { metadata: { note: "x" } } })).body
        .metadata,
    ).toEqual({ note: "x" });
  });

  it("records inbound and system messages without dispatching them", async () => {
    h.publisher.clear();
    const inbound = await send({
      channel_id: tg.id,
      delivery_address: "55",
      message_body: "hi there",
      direction: "inbound",
    });
    expect(inbound.body).toMatchObject({ direction: "inbound", status: "delivered" });
    expect(
      (
        await send({
          channel_id: tg.id,
          delivery_address: "55",
          message_body: "x",
          direction: "inbound",
          status: "queued",
        })
      ).body.field,
    ).toBe("status");
    expect(
      (await send({ channel_id: tg.id, delivery_address: "55", message_body: "x", status: "sent" })).body.field,
    ).toBe("status");
    expect(h.publisher.events).toHaveLength(0);
  });

  it("isolates accounts: no read, change, delete or filter reaches another account's messages", async () => {
    const m = (await send({ channel_id: tg.id, delivery_address: "4242", message_body: "secret plans" })).body;
    expect((await h.call("GET", `/v1/messages/${m.id}`, { token: b.token })).status).toBe(404);
    expect(
      (await h.call("PATCH", `/v1/messages/${m.id}`, { token: b.token, body: { status: "cancelled" } })).status,
    ).toBe(404);
    expect((await h.call("DELETE", `/v1/messages/${m.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("GET", `/v1/messages/${m.id}/events`, { token: b.token })).status).toBe(404);
    for (const filter of [
      `id:eq:${m.id}`,
      `account_id:eq:${a.id}`,
      "message_body:icontains:secret",
      `channel_id:eq:${tg.id}`,
    ]) {
      expect((await h.call("GET", "/v1/messages", { token: b.token, query: { filter } })).body.total).toBe(0);
    }
    expect((await h.call("GET", `/v1/messages/${m.id}`, { token: a.token })).body.status).toBe("queued");
  });

  describe("list grammar over HTTP", () => {
    let c: { id: string; token: string };
    const names: Record<string, string> = {};
    const q = async (filter: string | string[], sort?: string) => {
      const res = await h.call("GET", "/v1/messages", {
        token: c.token,
        query: { filter, ...(sort ? { sort } : {}), limit: "100" },
      });
      expect(res.status, res.text).toBe(200);
      return (res.body.items as { id: string }[]).map((m) => names[m.id]).sort();
    };

    beforeAll(async () => {
      c = await account(h);
      // A token valid across the whole seeding window.
      c.token = await h.token({ accounts: [c.id], expiresIn: 90 * 86_400 });
      h.clock.current = new Date("2026-02-28T00:00:00Z");
      c.token = await h.token({ accounts: [c.id], expiresIn: 90 * 86_400 });
      h.clock.current = new Date("2026-03-10T12:00:00Z");
      const ch = await makeChannel(h, c.token);
      const rows = [
        ["r1", { delivery_address: "1001", message_body: "Hello Abebe", priority: 1 }, "2026-03-01T08:00:00Z"],
        ["r2", { delivery_address: "1002", message_body: "hello 50% off", priority: 5 }, "2026-03-02T08:00:00Z"],
        ["r3", { delivery_address: "@turumba_news", message_body: "News_flash", priority: 9 }, "2026-03-03T08:00:00Z"],
      ] as const;
      for (const [n, body, at] of rows) {
        h.clock.current = new Date(at);
        names[
          (await h.call("POST", "/v1/messages", { token: c.token, body: { channel_id: ch.id, ...body } })).body.id
        ] = n;
      }
      h.clock.current = new Date("2026-03-10T12:00:00Z");
      const r3 = Object.keys(names).find((k) => names[k] === "r3")!;
      await h.call("PATCH", `/v1/messages/${r3}`, { token: c.token, body: { status: "cancelled" } });
    });

    it.each([
      ["priority:eq:5", ["r2"]],
      ["status:ne:queued", ["r3"]],
      ["priority:lt:5", ["r1"]],
      ["priority:le:5", ["r1", "r2"]],
      ["priority:gt:1", ["r2", "r3"]],
      ["created_at:ge:2026-03-02T08:00:00Z", ["r2", "r3"]],
      ["message_body:contains:ello", ["r1", "r2"]],
      ["message_body:icontains:HELLO", ["r1", "r2"]],
      ["message_body:contains:50%", ["r2"]],
      ["message_body:like:%\\_%", ["r3"]],
      ["message_body:ilike:h%", ["r1", "r2"]],
      ["status:in:queued,cancelled", ["r1", "r2", "r3"]],
      ["priority:range:2,9", ["r2", "r3"]],
      ["created_at:range:2026-03-01,2026-03-02T23:00:00Z", ["r1", "r2"]],
      ["provider_message_id:is_null", ["r1", "r2", "r3"]],
      ["provider_message_id:is_not_null", []],
      ["delivery_address:startswith:@", ["r3"]],
      ["delivery_address:endswith:02", ["r2"]],
    ])("%s", async (filter, expected) => {
      expect(await q(filter)).toEqual(expected);
    });

    it("combines filters and sorts", async () => {
      expect(await q(["message_body:icontains:hello", "priority:ge:2"])).toEqual(["r2"]);
      const res = await h.call("GET", "/v1/messages", { token: c.token, query: { sort: "priority:desc" } });
      expect(res.body.items.map((m: { id: string }) => names[m.id])).toEqual(["r3", "r2", "r1"]);
      const page = await h.call("GET", "/v1/messages", {
        token: c.token,
        query: { sort: "created_at:asc", skip: "2", limit: "2" },
      });
      expect(page.body).toMatchObject({ total: 3, skip: 2, limit: 2 });
      expect(page.body.items.map((m: { id: string }) => names[m.id])).toEqual(["r3"]);
    });

    it("refuses unknown fields, operations and parameters", async () => {
      expect(
        (await h.call("GET", "/v1/messages", { token: c.token, query: { filter: "metadata:eq:x" } })).body,
      ).toMatchObject({ code: "invalid_filter", field: "filter[0]" });
      expect(
        (await h.call("GET", "/v1/messages", { token: c.token, query: { filter: "status:regex:.*" } })).body.code,
      ).toBe("invalid_filter");
      expect(
        (await h.call("GET", "/v1/messages", { token: c.token, query: { sort: "message_body:asc" } })).body.code,
      ).toBe("invalid_sort");
      expect((await h.call("GET", "/v1/messages", { token: c.token, query: { page: "2" } })).body).toMatchObject({
        code: "validation_error",
        field: "page",
      });
      expect((await h.call("GET", "/v1/messages", { token: c.token, query: { skip: "10001" } })).body.field).toBe(
        "skip",
      );
    });
  });

  it("deletes a message, not one being sent", async () => {
    const m = (await send({ channel_id: tg.id, delivery_address: "1", message_body: "bye" })).body;
    expect((await h.call("DELETE", `/v1/messages/${m.id}`, { token: a.token })).status).toBe(204);
    expect((await h.call("GET", `/v1/messages/${m.id}`, { token: a.token })).status).toBe(404);
    const busy = (await send({ channel_id: tg.id, delivery_address: "1", message_body: "busy" })).body;
    await h.db.withSession((s) => s.query("UPDATE messages SET status = 'sending' WHERE id = $1", [busy.id]));
    expect((await h.call("DELETE", `/v1/messages/${busy.id}`, { token: a.token })).body.code).toBe("invalid_state");
  });
});
