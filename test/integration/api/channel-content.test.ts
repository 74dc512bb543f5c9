import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../db/ids.js";
import { account, makeChannel, startHarness, type Harness } from "./harness.js";

/**
 * Channel content through the REST API: channel options validated per channel type and stored on
 * single, group and scheduled messages (also when an older client puts them in metadata),
 * templates with e-mail parts and a WhatsApp mapping rendered into the message and shown by the
 * previews, the WhatsApp care window worked out from stored inbound messages, and replies to
 * inbound messages.
 */
const whatsappCreds = {
  access_token: "EAAGm0PX4ZCpsBAtestAccessToken",
  phone_number_id: "106540352242922",
  app_secret: "wa-app-secret-test",
  verify_token: "wa-verify-token",
};

describe("channel content", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let tg: { id: string };
  let wa: { id: string };
  let mail: { id: string };
  let group: string;

  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
    tg = await makeChannel(h, a.token);
    wa = await makeChannel(h, a.token, { channel_type: "whatsapp", credentials: whatsappCreds });
    // The channel's SMTP login is checked when it is created: the harness's simulator answers it.
    const emailCreds = {
      smtp_host: "127.0.0.1",
      smtp_port: h.sim.smtpPort,
      require_tls: false,
      from_email: "noreply@shop.test",
    };
    mail = await makeChannel(h, a.token, { channel_type: "email", credentials: emailCreds });
    const contact = (
      await h.call("POST", "/v1/contacts", { token: a.token, body: { name: "Ana", email: "ana@example.org" } })
    ).body;
    group = (await h.call("POST", "/v1/contact-groups", { token: a.token, body: { name: `g-${randomUUID()}` } })).body
      .id;
    await h.call("POST", `/v1/contact-groups/${group}/members`, {
      token: a.token,
      body: { contact_ids: [contact.id] },
    });
  });
  afterAll(async () => h.close());

  const send = (body: Record<string, unknown>, token = a.token) => h.call("POST", "/v1/messages", { token, body });
  const template = async (body: Record<string, unknown>) => {
    const res = await h.call("POST", "/v1/templates", { token: a.token, body: { name: `t-${randomUUID()}`, ...body } });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string };
  };

  /** An inbound message as the inbound consumer stores it: threaded into its conversation. */
  async function inbound(channelId: string, type: string, from: string, providerId: string, at: Date) {
    const conversationId = randomUUID();
    const id = uuidv7(at);
    await h.db.withSession(async (s) => {
      await s.query(
        `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, last_message_at, last_inbound_at)
         VALUES ($1, $2, $3, $4, $5, 'us', $6, $6)
         ON CONFLICT (channel_id, participant_from, participant_to) DO UPDATE SET last_inbound_at = EXCLUDED.last_inbound_at`,
        [conversationId, a.id, channelId, type, from, at],
      );
      await s.query(
        `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, conversation_id, direction, status, delivery_address,
                               message_body, provider_message_id, delivered_at)
         SELECT $1::uuid, $2::timestamptz, $3::uuid, $4::uuid, $5::text, c.id, 'inbound', 'delivered', $6::text, 'hello', $7::text, $2::timestamptz
           FROM conversations c WHERE c.channel_id = $4::uuid AND c.participant_from = $6::text`,
        [id, at, a.id, channelId, type, from, providerId],
      );
    });
    const conv = await h.db.withSession((s) =>
      s.query<{ id: string }>(`SELECT conversation_id AS id FROM messages WHERE id = $1`, [id]),
    );
    return { id, conversationId: conv.rows[0]!.id };
  }

  describe("options on single sends", () => {
    it("stores the channel's options and shows them", async () => {
      const res = await send({
        channel_id: tg.id,
        delivery_address: "123456",
        message_body: "*Shipped*",
        channel_options: { parse_mode: "MarkdownV2", inline_buttons: [[{ text: "Track", url: "https://t.test/1" }]] },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.channel_options).toEqual({
        parse_mode: "MarkdownV2",
        inline_buttons: [[{ text: "Track", url: "https://t.test/1" }]],
      });
      const got = await h.call("GET", `/v1/messages/${res.body.id}`, { token: a.token });
      expect(got.body.channel_options).toEqual(res.body.channel_options);
    });

    it("still reads options an older client puts in metadata, the explicit ones winning", async () => {
      const res = await send({
        channel_id: mail.id,
        delivery_address: "ana@example.org",
        message_body: "<p>Hi</p>",
        metadata: { subject: "Old way", is_html: true, campaign: "x" },
        channel_options: { reply_to: "desk@shop.test" },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.channel_options).toEqual({ subject: "Old way", is_html: true, reply_to: "desk@shop.test" });
      expect(res.body.metadata).toEqual({ subject: "Old way", is_html: true, campaign: "x" });
    });

    it.each([
      [{ channel_options: { subject: "Hi" } }, "channel_options.subject", "not an option of telegram channels"],
      [{ channel_options: { parse_mode: "BBCode" } }, "channel_options.parse_mode", ""],
      [{ metadata: { parse_mode: "BBCode" } }, "metadata.parse_mode", ""],
      [{ channel_options: { inline_buttons: [[{ text: "x" }]] } }, "channel_options.inline_buttons[0][0]", ""],
    ])("refuses %j with 400 naming %s", async (extra, field, detail) => {
      const res = await send({ channel_id: tg.id, delivery_address: "123456", message_body: "x", ...extra });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "validation_error", field });
      expect(res.body.detail).toContain(detail);
    });

    it("an e-mail with an HTML part and an empty body gets its text part from the HTML", async () => {
      const res = await send({
        channel_id: mail.id,
        delivery_address: "ana@example.org",
        message_body: "",
        channel_options: { subject: "Hello", html: "<p>Hello <b>Ana</b></p>" },
      });
      expect(res.body).toMatchObject({ message_body: "Hello Ana", channel_options: { subject: "Hello" } });
    });
  });

  describe("templates with channel parts", () => {
    it("stores e-mail parts and a WhatsApp mapping, with the variables of every part", async () => {
      const t = await template({
        body: "Hi {FIRST_NAME}",
        email: { subject: "Order {ORDER}", html: "<p>{NAME}</p>" },
        whatsapp: { name: "order_update", language: "en_US", components: [{ type: "body", parameters: ["CODE"] }] },
        default_values: { CODE: "0" },
      });
      const got = (await h.call("GET", `/v1/templates/${t.id}`, { token: a.token })).body;
      expect(got).toMatchObject({
        variables: ["FIRST_NAME", "ORDER", "NAME", "CODE"],
        email: { subject: "Order {ORDER}", html: "<p>{NAME}</p>" },
        whatsapp: { name: "order_update", language: "en_US" },
      });
      const cleared = await h.call("PATCH", `/v1/templates/${t.id}`, {
        token: a.token,
        body: { whatsapp: null, default_values: {} },
      });
      expect(cleared.body).toMatchObject({ whatsapp: null, variables: ["FIRST_NAME", "ORDER", "NAME"] });
    });

    it("refuses a mapping that is not Meta's shape, naming the field", async () => {
      const res = await h.call("POST", "/v1/templates", {
        token: a.token,
        body: { name: `t-${randomUUID()}`, body: "x", whatsapp: { name: "Bad Name", language: "en" } },
      });
      expect(res.body).toMatchObject({ code: "validation_error", field: "whatsapp.name" });
    });

    it("previews every part: subject and text as given, HTML escaped, the mapping filled; SMS segments stay", async () => {
      const t = await template({
        body: "Hi {FIRST_NAME}",
        email: { subject: "For {FIRST_NAME}", html: "<p>Hi <b>{NAME}</b></p>" },
        whatsapp: { name: "greeting", language: "en", components: [{ type: "body", parameters: ["FIRST_NAME"] }] },
      });
      const p = await h.call("POST", `/v1/templates/${t.id}/preview`, {
        token: a.token,
        body: { contact: { name: "Tom & Jerry" } },
      });
      expect(p.status, p.text).toBe(200);
      expect(p.body).toMatchObject({
        rendered: "Hi Tom",
        email: { subject: "For Tom", html: "<p>Hi <b>Tom &amp; Jerry</b></p>", text: "Hi Tom & Jerry" },
        whatsapp: { name: "greeting", language: "en", components: [{ type: "body", parameters: [{ text: "Tom" }] }] },
        sms: { encoding: "gsm7", segments: 1 },
      });
      const adhoc = await h.call("POST", "/v1/templates/preview", {
        token: a.token,
        body: { body: "x", email: { subject: "S {X}" }, custom_values: { X: "1" } },
      });
      expect(adhoc.body).toMatchObject({ email: { subject: "S 1", html: null, text: "x" }, whatsapp: null });
    });

    it("a single e-mail from a template carries the rendered subject and HTML; its body is the text part", async () => {
      const t = await template({
        body: "Hi",
        email: { subject: "Order {ORDER}", html: "<p>Order <b>{ORDER}</b></p>" },
      });
      const res = await send({
        channel_id: mail.id,
        delivery_address: "ana@example.org",
        template_id: t.id,
        custom_values: { ORDER: "<42>" },
      });
      expect(res.body).toMatchObject({
        status: "queued",
        message_body: "Order <42>",
        channel_options: { subject: "Order <42>", html: "<p>Order <b>&lt;42&gt;</b></p>" },
      });
    });
  });

  describe("the WhatsApp care window", () => {
    it("a free-form message to someone who never wrote fails with outside_care_window and is not dispatched", async () => {
      h.publisher.clear();
      const res = await send({ channel_id: wa.id, delivery_address: "+251911000901", message_body: "Hi" });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: "failed", error_code: "outside_care_window" });
      expect(res.body.failed_at).not.toBeNull();
      expect(h.publisher.on("message.dispatch.whatsapp")).toEqual([]);
    });

    it("a caller's metadata.last_inbound_at opens nothing", async () => {
      const res = await send({
        channel_id: wa.id,
        delivery_address: "+251911000902",
        message_body: "Hi",
        metadata: { last_inbound_at: new Date().toISOString() },
      });
      expect(res.body).toMatchObject({ status: "failed", error_code: "outside_care_window" });
    });

    it("is open for 24 hours after the customer's last stored message", async () => {
      await inbound(wa.id, "whatsapp", "+251911000903", "wamid.A", new Date(h.clock.now().getTime() - 3_600_000));
      const res = await send({ channel_id: wa.id, delivery_address: "251911000903", message_body: "Hi" });
      expect(res.body).toMatchObject({ status: "queued", error_code: null });
    });

    it("outside it, a template with a WhatsApp mapping queues the message with the mapping filled", async () => {
      const t = await template({
        body: "Hi {FIRST_NAME}",
        whatsapp: { name: "hello", language: "en", components: [{ type: "body", parameters: ["FIRST_NAME"] }] },
      });
      const res = await send({
        channel_id: wa.id,
        delivery_address: "+251911000904",
        template_id: t.id,
        custom_values: { FIRST_NAME: "Abebe" },
      });
      expect(res.body).toMatchObject({
        status: "queued",
        message_body: "Hi Abebe",
        channel_options: {
          outside_window_template: {
            name: "hello",
            language: "en",
            components: [{ type: "body", parameters: [{ type: "text", text: "Abebe" }] }],
          },
        },
      });
    });

    it("an explicit approved template goes whatever the window", async () => {
      const res = await send({
        channel_id: wa.id,
        delivery_address: "+251911000905",
        message_body: "",
        channel_options: { template: { name: "hello_world", language: "en_US" } },
      });
      expect(res.body).toMatchObject({ status: "queued" });
    });
  });

  describe("replies to inbound messages", () => {
    it("take the channel, address and conversation of the inbound message and name it", async () => {
      const m = await inbound(tg.id, "telegram", "777001", "777001:55", new Date(h.clock.now().getTime() - 60_000));
      const res = await send({ reply_to_message_id: m.id, message_body: "Thanks!" });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        channel_id: tg.id,
        channel_type: "telegram",
        delivery_address: "777001",
        conversation_id: m.conversationId,
        reply_to_message_id: m.id,
        status: "queued",
      });
      const stored = await h.db.withSession((s) =>
        s.query<{ p: string }>(`SELECT reply_to_provider_message_id AS p FROM messages WHERE id = $1`, [res.body.id]),
      );
      expect(stored.rows[0]!.p).toBe("777001:55");
      // Naming the same channel (or its type) and address is fine.
      const same = await send({
        reply_to_message_id: m.id,
        channel_id: tg.id,
        delivery_address: "777001",
        message_body: "again",
      });
      expect((await send({ reply_to_message_id: m.id, channel_type: "telegram", message_body: "and" })).status).toBe(
        201,
      );
      expect(same.status).toBe(201);
    });

    it("refuse another channel, channel type or address, and a message that is not an inbound one of the account", async () => {
      const m = await inbound(tg.id, "telegram", "777002", "777002:1", new Date(h.clock.now().getTime() - 60_000));
      const cases: [Record<string, unknown>, string][] = [
        [{ channel_id: mail.id }, "channel_id"],
        [{ channel_type: "whatsapp" }, "channel_type"],
        [{ delivery_address: "999" }, "delivery_address"],
      ];
      for (const [extra, field] of cases) {
        const res = await send({ reply_to_message_id: m.id, message_body: "x", ...extra });
        expect(res.status, JSON.stringify(extra)).toBe(400);
        expect(res.body.field).toBe(field);
      }
      const outbound = await send({ channel_id: tg.id, delivery_address: "1", message_body: "out" });
      for (const [id, token] of [
        [outbound.body.id, a.token],
        [m.id, b.token],
        [randomUUID(), a.token],
      ] as const) {
        const res = await send({ reply_to_message_id: id, message_body: "x" }, token);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: "invalid_reference", field: "reply_to_message_id" });
      }
    });

    it("a WhatsApp reply inside the window is queued", async () => {
      const m = await inbound(
        wa.id,
        "whatsapp",
        "+251911000906",
        "wamid.R",
        new Date(h.clock.now().getTime() - 60_000),
      );
      const res = await send({ reply_to_message_id: m.id, message_body: "Got it" });
      expect(res.body).toMatchObject({ status: "queued", delivery_address: "+251911000906" });
    });
  });

  describe("group and scheduled messages", () => {
    it("store the options validated against their channel, also from metadata, and replace them on PATCH", async () => {
      const g = await h.call("POST", "/v1/group-messages", {
        token: a.token,
        body: {
          channel_id: mail.id,
          message_body: "News",
          contact_group_ids: [group],
          channel_options: { html: "<p>News</p>" },
          metadata: { subject: "Weekly" },
        },
      });
      expect(g.status, g.text).toBe(201);
      expect(g.body.channel_options).toEqual({ subject: "Weekly", html: "<p>News</p>" });
      const patched = await h.call("PATCH", `/v1/group-messages/${g.body.id}`, {
        token: a.token,
        body: { channel_options: { subject: "Monthly" } },
      });
      expect(patched.body.channel_options).toEqual({ subject: "Monthly" });
      const bad = await h.call("POST", "/v1/group-messages", {
        token: a.token,
        body: { channel_id: tg.id, message_body: "x", contact_group_ids: [group], channel_options: { subject: "x" } },
      });
      expect(bad.body).toMatchObject({ code: "validation_error", field: "channel_options.subject" });

      const s = await h.call("POST", "/v1/scheduled-messages", {
        token: a.token,
        body: {
          channel_id: tg.id,
          send_type: "single",
          delivery_address: "123456",
          message_body: "Reminder",
          scheduled_at: "2026-03-11T09:00:00Z",
          channel_options: { parse_mode: "HTML", disable_notification: true },
        },
      });
      expect(s.status, s.text).toBe(201);
      expect(s.body.channel_options).toEqual({ parse_mode: "HTML", disable_notification: true });
      const sp = await h.call("PATCH", `/v1/scheduled-messages/${s.body.id}`, {
        token: a.token,
        body: { metadata: { parse_mode: "MarkdownV2" } },
      });
      expect(sp.body.channel_options).toEqual({ parse_mode: "MarkdownV2", disable_notification: true });
      const sbad = await h.call("PATCH", `/v1/scheduled-messages/${s.body.id}`, {
        token: a.token,
        body: { channel_options: { messaging_type: "UPDATE" } },
      });
      expect(sbad.body).toMatchObject({ code: "validation_error", field: "channel_options.messaging_type" });
    });
  });

  it("the OpenAPI document shows channel_options, reply_to_message_id and the template parts", async () => {
    const doc = (await h.call("GET", "/v1/openapi.json")).body;
    const create = doc.paths["/v1/messages"].post.requestBody.content["application/json"].schema;
    expect(create.properties.reply_to_message_id).toMatchObject({ type: "string", format: "uuid" });
    expect(Object.keys(create.properties.channel_options.properties)).toEqual(
      expect.arrayContaining(["subject", "html", "template", "parse_mode", "inline_buttons", "messaging_type", "tag"]),
    );
    const tpl = doc.paths["/v1/templates"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(tpl.properties)).toEqual(expect.arrayContaining(["email", "whatsapp"]));
    const preview = doc.paths["/v1/templates/{id}/preview"].post.responses["200"].content["application/json"].schema;
    expect(Object.keys(preview.properties)).toEqual(expect.arrayContaining(["email", "whatsapp", "sms"]));
  });
});
