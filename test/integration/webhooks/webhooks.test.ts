import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simCounters, startCampaignHarness, type CampaignHarness } from "../campaign/harness.js";
import { twilioCredentials, vonageCredentials } from "../dispatch/harness.js";
import { uuidv7 } from "../../../db/ids.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import { startRelay, type Captured, type Relay } from "./proxy.js";

/**
 * Provider webhooks end to end on the production stack (RabbitMQ, PostgreSQL, real sidecars):
 * the simulator sends its real, signed payloads through a recording relay to the API's
 * receivers; the status consumer in the dispatcher applies them.
 */
const META_SECRET = "sim-meta-app-secret";
const AT_TOKEN = "sim-at-webhook-token-0001";
const RELAY_PORT = 20_400;

let H: CampaignHarness;
let relay: Relay;
const ch: Record<string, string> = {};

const creds = {
  telegram: { bot_token: "7000000001:SIMtokenSIMtokenSIMtoken", webhook_secret: "sim-secret-token_1" },
  whatsapp: {
    access_token: "sim-access-token-000",
    phone_number_id: "300000000000001",
    app_secret: META_SECRET,
    verify_token: "sim-verify-token",
  },
  messenger: {
    page_access_token: "sim-page-token-000",
    page_id: "100000000000001",
    app_secret: META_SECRET,
    verify_token: "sim-verify-token",
  },
  africastalking: { username: "sandbox", api_key: "sim-at-api-key-00000001", webhook_token: AT_TOKEN },
};

const hookPath = (type: string, id: string) => `/webhooks/${type}/${id}`;

async function messageRow(
  id: string,
): Promise<{ status: string; delivered_at: Date | null; read_at: Date | null; events: number }> {
  return withPg(H.h.db, async (c) => {
    const r = await c.query<{ status: string; delivered_at: Date | null; read_at: Date | null }>(
      `SELECT status, delivered_at, read_at FROM messages WHERE id = $1`,
      [id],
    );
    const e = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_events WHERE message_id = $1 AND event_type = 'delivery_receipt'`,
      [id],
    );
    return { ...r.rows[0]!, events: e.rows[0]!.n };
  });
}

async function sendOne(channelId: string, to: string, metadata: Record<string, unknown> = {}): Promise<string> {
  const r = await H.api("POST", "/v1/messages", {
    account_id: H.accountId,
    channel_id: channelId,
    delivery_address: to,
    message_body: "Hello",
    metadata,
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const hooksFor = (channelId: string) => relay.captured.filter((c) => c.path.includes(channelId));
/** A forged request: the body changed under its signature, or (Africa's Talking, which signs nothing) a wrong token. */
const tamper = (c: Captured): Captured =>
  c.path.includes("token=")
    ? { ...c, path: c.path.replace(/token=[^&]*/, "token=forged-token-000000000") }
    : {
        ...c,
        body:
          c.body.replace(/Hello|Selam|delivered|DELIVRD|Success/, (m) => m.split("").reverse().join("")) +
          (c.body.includes("=") && !c.body.startsWith("{") ? "&x=1" : " "),
      };
const withoutSignature = (c: Captured): Captured => ({
  ...c,
  path: c.path.replace(/([?&])token=[^&]*/, "$1t=0").replace(/([?&])sig=[^&]*/, "$1s=0"),
  body: c.body.replace(/(^|&)sig=[^&]*/, "$1s=0").replace(/"sig"\s*:/, '"s":'),
  headers: Object.fromEntries(
    Object.entries(c.headers).filter(
      ([k]) => !["x-hub-signature-256", "x-twilio-signature", "x-telegram-bot-api-secret-token"].includes(k),
    ),
  ),
});

beforeAll(async () => {
  relay = await startRelay(RELAY_PORT);
  H = await startCampaignHarness({
    basePort: 20_000,
    appEnv: { WEBHOOK_PUBLIC_URL: relay.url, WEBHOOK_REGISTER_EVERY_MS: "500", CAMPAIGN_AHEAD_MINUTES: "0.05" },
  });
  relay.setTarget(H.h.t.stack.url(H.h.t.apiApp, "/"));
  ch.telegram = await H.channel({
    name: "tg",
    channel_type: "telegram",
    credentials: creds.telegram,
    rate_limit: 60_000,
  });
  ch.whatsapp = await H.channel({
    name: "wa",
    channel_type: "whatsapp",
    credentials: creds.whatsapp,
    rate_limit: 60_000,
  });
  ch.messenger = await H.channel({
    name: "fb",
    channel_type: "messenger",
    credentials: creds.messenger,
    rate_limit: 60_000,
  });
  ch.twilio = await H.channel({
    name: "tw",
    channel_type: "sms",
    provider: "twilio",
    credentials: twilioCredentials,
    rate_limit: 120_000,
  });
  ch.africastalking = await H.channel({
    name: "at",
    channel_type: "sms",
    provider: "africastalking",
    credentials: creds.africastalking,
    rate_limit: 60_000,
  });
  ch.vonage = await H.channel({
    name: "vn",
    channel_type: "sms",
    provider: "vonage",
    credentials: vonageCredentials,
    rate_limit: 60_000,
  });
  H.h.sim.configure({
    defaults: { receiptDelayMs: 20 },
    providers: {
      whatsapp: { receiptDelayMs: 20, webhookUrl: relay.url + hookPath("whatsapp", ch.whatsapp) },
      messenger: { receiptDelayMs: 20, webhookUrl: relay.url + hookPath("messenger", ch.messenger) },
      twilio: { receiptDelayMs: 20, webhookUrl: relay.url + hookPath("twilio", ch.twilio) },
      africastalking: {
        receiptDelayMs: 20,
        webhookUrl: `${relay.url}${hookPath("sms", ch.africastalking)}?token=${AT_TOKEN}`,
      },
      vonage: { receiptDelayMs: 20, webhookUrl: relay.url + hookPath("vonage", ch.vonage) },
    },
  });
}, 240_000);

afterAll(async () => {
  await H?.stop();
  await relay?.stop();
});

describe("webhook receivers and the status consumer", () => {
  const sms = [
    ["twilio", "+251911000002"],
    ["africastalking", "+254711000003"],
    ["vonage", "+447700900004"],
  ] as const;

  it.each(sms)(
    "%s: signed status callbacks deliver the message; replays are acknowledged and dropped; forged 403, unsigned 401",
    { timeout: 60_000 },
    async (provider, to) => {
      const id = await sendOne(ch[provider]!, to);
      const row = await eventually(
        `${provider} delivered`,
        async () => {
          const r = await messageRow(id);
          return r.status === "delivered" ? r : undefined;
        },
        30_000,
      );
      expect(row.delivered_at).not.toBeNull();
      const hooks = hooksFor(ch[provider]!);
      expect(hooks.length).toBeGreaterThan(0);
      expect(hooks.every((c) => c.status === 200)).toBe(true);
      for (const c of hooks) {
        const again = await relay.send(c);
        expect(again.status).toBe(200);
        if (provider !== "twilio") expect(JSON.parse(again.body)).toMatchObject({ accepted: 0 });
      }
      expect((await relay.send(tamper(hooks.at(-1)!))).status).toBe(403);
      expect((await relay.send(withoutSignature(hooks.at(-1)!))).status).toBe(401);
      // Still delivered, with one receipt event per change.
      const after = await messageRow(id);
      expect(after.status).toBe("delivered");
      expect(after.events).toBe(row.events);
    },
  );

  it.each(["twilio", "africastalking", "vonage", "whatsapp", "messenger"] as const)(
    "%s: a signed inbound webhook is accepted once",
    { timeout: 30_000 },
    async (provider) => {
      const before = relay.captured.length;
      const res = await fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          provider,
          from: provider === "messenger" ? "6723591847361234" : "+251911000099",
          to: "8080",
          text: "Selam",
        }),
      });
      expect(res.status).toBe(202);
      const hook = await eventually(
        `${provider} inbound`,
        async () => relay.captured.slice(before).find((c) => c.status !== undefined),
        10_000,
      );
      expect(hook.status).toBe(200);
      if (provider !== "twilio") expect(JSON.parse(hook.reply!)).toMatchObject({ accepted: 1 });
      const replay = await relay.send(hook);
      expect(replay.status).toBe(200);
      if (provider !== "twilio") expect(JSON.parse(replay.body)).toMatchObject({ accepted: 0, duplicates: 1 });
      expect((await relay.send(tamper(hook))).status).toBe(403);
      expect((await relay.send(withoutSignature(hook))).status).toBe(401);
    },
  );

  it(
    "telegram: the receiver registers the webhook with a secret token; inbound is accepted, a wrong token is 403",
    { timeout: 30_000 },
    async () => {
      const before = relay.captured.length;
      const hook = await eventually(
        "telegram inbound through the registered webhook",
        async () => {
          await fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ provider: "telegram", from: "555001", text: "hi" }),
          });
          await new Promise((r) => setTimeout(r, 300));
          return relay.captured.slice(before).find((c) => c.path.includes(ch.telegram!) && c.status === 200);
        },
        20_000,
      );
      // The token is the channel's own webhook secret (generated and kept encrypted with the channel).
      expect(hook.headers["x-telegram-bot-api-secret-token"]).toEqual(expect.any(String));
      expect(
        (await relay.send({ ...hook, headers: { ...hook.headers, "x-telegram-bot-api-secret-token": "wrong-token" } }))
          .status,
      ).toBe(403);
      expect((await relay.send(withoutSignature(hook))).status).toBe(401);
    },
  );

  it(
    "whatsapp: read before delivered ends read with delivered_at; a late delivered and sent change nothing",
    { timeout: 60_000 },
    async () => {
      const path = hookPath("whatsapp", ch.whatsapp!);
      relay.hold.add(path);
      const before = relay.captured.length;
      const id = await sendOne(ch.whatsapp!, "+251911000123", { template: { name: "hello_world", language: "en_US" } });
      const [sent, delivered] = await eventually(
        "whatsapp sent and delivered held",
        async () => {
          const held = relay.captured.slice(before).filter((c) => c.path === path);
          return held.length >= 2 ? held : undefined;
        },
        20_000,
      );
      relay.hold.delete(path);
      expect(sent!.body).toContain('"status":"sent"');
      expect(delivered!.body).toContain('"status":"delivered"');
      const readBody = delivered!.body.replace('"status":"delivered"', '"status":"read"');
      const read = {
        ...delivered!,
        body: readBody,
        headers: {
          ...delivered!.headers,
          "x-hub-signature-256": `sha256=${createHmac("sha256", META_SECRET).update(readBody).digest("hex")}`,
        },
      };
      expect((await relay.send(read)).status).toBe(200);
      const afterRead = await eventually(
        "read applied",
        async () => {
          const r = await messageRow(id);
          return r.status === "read" ? r : undefined;
        },
        20_000,
      );
      expect(afterRead.delivered_at).not.toBeNull();
      expect(afterRead.read_at).not.toBeNull();
      expect((await relay.send(delivered!)).status).toBe(200);
      expect((await relay.send(sent!)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_000));
      const final = await messageRow(id);
      expect(final.status).toBe("read");
      expect(final.events).toBe(afterRead.events);
    },
  );

  it(
    "smpp: receipts arriving on the bind (a two-part message too) mark the messages delivered; an smpp channel takes no webhooks",
    { timeout: 60_000 },
    async () => {
      const smpp = await H.channel({
        name: "smpp",
        channel_type: "smpp",
        credentials: {
          host: "127.0.0.1",
          port: H.h.sim.smppPort,
          system_id: "turumba",
          password: "secret",
          source_addr: "TURUMBA",
        },
        rate_limit: 60_000,
      });
      const one = await sendOne(smpp, "+251911000555");
      const long = (
        await H.api("POST", "/v1/messages", {
          account_id: H.accountId,
          channel_id: smpp,
          delivery_address: "+251911000556",
          message_body: "x".repeat(300),
        })
      ).body.id as string;
      for (const id of [one, long]) {
        const row = await eventually(
          `smpp ${id} delivered`,
          async () => {
            const r = await messageRow(id);
            return r.status === "delivered" ? r : undefined;
          },
          40_000,
        );
        expect(row.delivered_at).not.toBeNull();
        expect(row.events).toBe(1);
      }
      const res = await fetch(H.h.t.stack.url(H.h.t.apiApp, hookPath("smpp", smpp)), { method: "POST", body: "{}" });
      expect(res.status).toBe(404);
    },
  );

  it(
    "email: SES delivery and complaint notifications (token URL) deliver one message, fail the other and opt its address out; a wrong token is 403",
    { timeout: 60_000 },
    async () => {
      const token = "sim-email-webhook-token-01";
      const mail = await H.channel({
        name: "mail",
        channel_type: "email",
        credentials: {
          smtp_host: "127.0.0.1",
          smtp_port: H.h.sim.smtpPort,
          require_tls: false,
          from_email: "news@example.org",
          webhook_token: token,
        },
        rate_limit: 60_000,
      });
      const a = await sendOne(mail, "ana@example.net", { subject: "Hi" });
      const b = await sendOne(mail, "Ben@Example.net", { subject: "Hi" });
      const providerIds = await eventually(
        "both e-mails sent",
        async () => {
          const rows = await withPg(
            H.h.db,
            async (c) =>
              (
                await c.query<{ id: string; provider_message_id: string | null; status: string }>(
                  `SELECT id, provider_message_id, status FROM messages WHERE id = ANY($1::uuid[])`,
                  [[a, b]],
                )
              ).rows,
          );
          return rows.length === 2 && rows.every((r) => r.status === "sent" && r.provider_message_id)
            ? Object.fromEntries(rows.map((r) => [r.id, r.provider_message_id!]))
            : undefined;
        },
        30_000,
      );
      const ses = (msg: Record<string, unknown>) =>
        JSON.stringify({ Type: "Notification", MessageId: "sns-1", Message: JSON.stringify(msg) });
      const mailOf = (id: string) => ({
        messageId: "ses-" + id,
        headers: [{ name: "Message-ID", value: providerIds[id] }],
      });
      const url = (t: string) => H.h.t.stack.url(H.h.t.apiApp, `${hookPath("email", mail)}?token=${t}`);
      const post = (t: string, body: string) =>
        fetch(url(t), { method: "POST", headers: { "content-type": "text/plain" }, body });
      const delivery = ses({
        notificationType: "Delivery",
        mail: mailOf(a),
        delivery: { timestamp: new Date().toISOString(), recipients: ["ana@example.net"] },
      });
      const complaint = ses({
        notificationType: "Complaint",
        mail: mailOf(b),
        complaint: {
          timestamp: new Date().toISOString(),
          complainedRecipients: [{ emailAddress: "Ben@Example.net" }],
          complaintFeedbackType: "abuse",
        },
      });
      expect((await post("forged-token-0000000000", delivery)).status).toBe(403);
      expect((await post(token, delivery)).status).toBe(200);
      expect((await post(token, complaint)).status).toBe(200);
      await eventually(
        "delivery and complaint applied",
        async () => {
          const [ra, rb] = [await messageRow(a), await messageRow(b)];
          return ra.status === "delivered" && rb.status === "failed" ? true : undefined;
        },
        20_000,
      );
      const opt = await withPg(
        H.h.db,
        async (c) =>
          (
            await c.query(
              `SELECT channel_scope, address, source FROM contact_opt_outs WHERE account_id = $1 AND channel_scope = 'email'`,
              [H.accountId],
            )
          ).rows,
      );
      expect(opt).toEqual([{ channel_scope: "email", address: "ben@example.net", source: "provider" }]);
    },
  );

  it(
    "email: a permanent bounce suppresses the address (a later send fails suppressed_bounce, a campaign skips it, the contact lists it); a transient one does not",
    { timeout: 180_000 },
    async () => {
      const token = "sim-email-webhook-token-02";
      const mail = await H.channel({
        name: "mail-bounces",
        channel_type: "email",
        credentials: {
          smtp_host: "127.0.0.1",
          smtp_port: H.h.sim.smtpPort,
          require_tls: false,
          from_email: "news@example.org",
          webhook_token: token,
        },
        rate_limit: 60_000,
      });
      const groupId = await H.group(
        "bounce-people",
        ["name,email", "Dawit,Dawit@Example.net", "Eleni,eleni@example.net", "Fikru,fikru@example.net"].join("\n"),
      );
      const dead = await sendOne(mail, "dawit@example.net", { subject: "Hi" });
      const full = await sendOne(mail, "eleni@example.net", { subject: "Hi" });
      const providerIds = await eventually(
        "both e-mails sent",
        async () => {
          const rows = await withPg(
            H.h.db,
            async (c) =>
              (
                await c.query<{ id: string; provider_message_id: string | null; status: string }>(
                  `SELECT id, provider_message_id, status FROM messages WHERE id = ANY($1::uuid[])`,
                  [[dead, full]],
                )
              ).rows,
          );
          return rows.length === 2 && rows.every((r) => r.status === "sent" && r.provider_message_id)
            ? Object.fromEntries(rows.map((r) => [r.id, r.provider_message_id!]))
            : undefined;
        },
        30_000,
      );
      const bounce = (id: string, address: string, bounceType: string, diagnostic: string) =>
        JSON.stringify({
          Type: "Notification",
          MessageId: `sns-${id}`,
          Message: JSON.stringify({
            notificationType: "Bounce",
            mail: { messageId: "ses-" + id, headers: [{ name: "Message-ID", value: providerIds[id] }] },
            bounce: {
              bounceType,
              bounceSubType: bounceType === "Permanent" ? "General" : "MailboxFull",
              timestamp: new Date().toISOString(),
              bouncedRecipients: [{ emailAddress: address, diagnosticCode: diagnostic }],
            },
          }),
        });
      const post = (body: string) =>
        fetch(H.h.t.stack.url(H.h.t.apiApp, `${hookPath("email", mail)}?token=${token}`), {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body,
        });
      expect((await post(bounce(dead, "dawit@example.net", "Permanent", "smtp; 550 5.1.1 user unknown"))).status).toBe(
        200,
      );
      expect((await post(bounce(full, "eleni@example.net", "Transient", "smtp; 552 5.2.2 mailbox full"))).status).toBe(
        200,
      );
      await eventually(
        "both bounces applied",
        async () => {
          const [rd, rf] = [await messageRow(dead), await messageRow(full)];
          return rd.status === "failed" && rf.status === "failed" ? true : undefined;
        },
        20_000,
      );
      const marks = await withPg(
        H.h.db,
        async (c) =>
          (
            await c.query<{ channel_scope: string; address: string; source: string; reason: string }>(
              `SELECT channel_scope, address, source, reason FROM contact_opt_outs
                WHERE account_id = $1 AND address IN ('dawit@example.net', 'eleni@example.net')`,
              [H.accountId],
            )
          ).rows,
      );
      expect(marks).toEqual([
        {
          channel_scope: "email",
          address: "dawit@example.net",
          source: "bounce",
          reason: "bounce:Permanent/General: smtp; 550 5.1.1 user unknown",
        },
      ]);

      // A later single send to the bounced address fails at the claim; the soft-bounced one goes out.
      const again = await sendOne(mail, "Dawit@Example.net", { subject: "Hi again" });
      const retry = await sendOne(mail, "eleni@example.net", { subject: "Hi again" });
      const statuses = await eventually(
        "the later sends settled",
        async () => {
          const rows = await withPg(
            H.h.db,
            async (c) =>
              (
                await c.query<{ id: string; status: string; error_code: string | null; error_message: string | null }>(
                  `SELECT id, status, error_code, error_message FROM messages WHERE id = ANY($1::uuid[])`,
                  [[again, retry]],
                )
              ).rows,
          );
          const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
          return byId[again]?.status === "failed" && byId[retry]?.status === "sent" ? byId : undefined;
        },
        30_000,
      );
      expect(statuses[again]).toMatchObject({ error_code: "suppressed_bounce" });
      expect(statuses[again]!.error_message).toContain("550 5.1.1 user unknown");

      // A campaign to the group skips the bounced address with its own reason.
      const created = await H.api("POST", "/v1/group-messages", {
        account_id: H.accountId,
        channel_id: mail,
        message_body: "Hi {FIRST_NAME}",
        contact_group_ids: [groupId],
        status: "queued",
      });
      expect(created.status).toBe(201);
      const done = await H.waitFor(
        created.body.id as string,
        (g) => g.status === "completed",
        "the e-mail campaign to complete",
        90_000,
      );
      expect(done).toMatchObject({
        total_recipients: 3,
        sent_count: 2,
        skipped_count: 1,
        skipped_reasons: { suppressed_bounce: 1 },
      });

      // The contact shows the suppression.
      const [dawit] = await withPg(
        H.h.db,
        async (c) =>
          (
            await c.query<{ id: string }>(
              `SELECT id FROM contacts WHERE account_id = $1 AND lower(email) = 'dawit@example.net'`,
              [H.accountId],
            )
          ).rows,
      );
      const contact = await H.api("GET", `/v1/contacts/${dawit!.id}`);
      expect(contact.body.opt_outs).toEqual([
        expect.objectContaining({
          channel_scope: "email",
          address: "dawit@example.net",
          source: "bounce",
          reason: "bounce:Permanent/General: smtp; 550 5.1.1 user unknown",
          channel_id: mail,
        }),
      ]);
    },
  );

  it(
    "whatsapp: a receipt that arrives before the send is recorded is parked, then applied by the reconciler",
    { timeout: 60_000 },
    async () => {
      const wamid = `wamid.EARLY${Date.now()}`;
      const body = JSON.stringify({
        object: "whatsapp_business_account",
        entry: [
          {
            id: "200000000000001",
            changes: [
              {
                field: "messages",
                value: {
                  messaging_product: "whatsapp",
                  metadata: { display_phone_number: "15550000000", phone_number_id: "300000000000001" },
                  statuses: [
                    {
                      id: wamid,
                      status: "delivered",
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      recipient_id: "251911000777",
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const res = await fetch(H.h.t.stack.url(H.h.t.apiApp, hookPath("whatsapp", ch.whatsapp!)), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${createHmac("sha256", META_SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      expect(res.status).toBe(200);
      // The consumer has seen it and found nothing; now the send is recorded.
      await new Promise((r) => setTimeout(r, 1_500));
      const id = uuidv7(new Date());
      await withPg(H.h.db, (c) =>
        c.query(
          `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body, provider_message_id, sent_at)
         VALUES ($1, now(), $2, $3, 'whatsapp', 'outbound', 'sent', '+251911000777', 'late record', $4, now())`,
          [id, H.accountId, ch.whatsapp, wamid],
        ),
      );
      const row = await eventually(
        "parked receipt applied",
        async () => {
          const r = await messageRow(id);
          return r.status === "delivered" ? r : undefined;
        },
        40_000,
      );
      expect(row.events).toBe(1);
      await eventually(
        "parked receipt removed once applied",
        async () => {
          const { rows } = await withPg(H.h.db, (c) =>
            c.query(`SELECT 1 FROM parked_receipts WHERE event->'update'->>'providerMessageId' = $1`, [wamid]),
          );
          return rows.length === 0 ? true : undefined;
        },
        5_000,
      );
    },
  );

  it(
    "whatsapp: a failed status with error 131047 fails the message with outside_care_window",
    { timeout: 60_000 },
    async () => {
      const wamid = `wamid.REENGAGE${Date.now()}`;
      const id = uuidv7(new Date());
      await withPg(H.h.db, (c) =>
        c.query(
          `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body, provider_message_id, sent_at)
         VALUES ($1, now(), $2, $3, 'whatsapp', 'outbound', 'sent', '+251911000778', 'free-form', $4, now())`,
          [id, H.accountId, ch.whatsapp, wamid],
        ),
      );
      const body = JSON.stringify({
        object: "whatsapp_business_account",
        entry: [
          {
            id: "200000000000001",
            changes: [
              {
                field: "messages",
                value: {
                  messaging_product: "whatsapp",
                  metadata: { display_phone_number: "15550000000", phone_number_id: "300000000000001" },
                  statuses: [
                    {
                      id: wamid,
                      status: "failed",
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      recipient_id: "251911000778",
                      errors: [
                        {
                          code: 131047,
                          title: "Re-engagement message",
                          error_data: {
                            details:
                              "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
                          },
                        },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const res = await fetch(H.h.t.stack.url(H.h.t.apiApp, hookPath("whatsapp", ch.whatsapp!)), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${createHmac("sha256", META_SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      expect(res.status).toBe(200);
      const row = await eventually(
        "131047 applied",
        async () => {
          const r = await withPg(
            H.h.db,
            async (c) =>
              (
                await c.query<{ status: string; error_code: string | null }>(
                  `SELECT status, error_code FROM messages WHERE id = $1`,
                  [id],
                )
              ).rows[0],
          );
          return r?.status === "failed" ? r : undefined;
        },
        20_000,
      );
      expect(row.error_code).toBe("outside_care_window");
    },
  );

  it("unknown channel, disabled channel and a channel of another type answer 404", async () => {
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] });
    const post = (p: string) =>
      fetch(H.h.t.stack.url(H.h.t.apiApp, p), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    expect((await post(hookPath("whatsapp", "00000000-0000-4000-8000-000000000000"))).status).toBe(404);
    expect((await post(hookPath("messenger", ch.whatsapp!))).status).toBe(404);
    const disabled = await H.channel({
      name: "wa-off",
      channel_type: "whatsapp",
      credentials: creds.whatsapp,
      is_enabled: false,
    });
    expect((await post(hookPath("whatsapp", disabled))).status).toBe(404);
  });

  it("whatsapp: Meta's GET handshake echoes the challenge only for the right verify token", async () => {
    const get = (token: string) =>
      fetch(
        H.h.t.stack.url(
          H.h.t.apiApp,
          `${hookPath("whatsapp", ch.whatsapp!)}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`,
        ),
      );
    const ok = await get("sim-verify-token");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    expect((await get("wrong-token")).status).toBe(403);
  });

  it(
    "full loop: a 2,000-contact campaign, signed receipts back through the receivers, counters exact and equal to the simulator's",
    { timeout: 300_000 },
    async () => {
      const before = await simCounters(H.h, "twilio");
      const rows = [
        "name,phone",
        ...Array.from({ length: 2_000 }, (_, i) => `Person${i},+2519${String(20_000_000 + i)}`),
      ];
      const groupId = await H.group("loop-2k", rows.join("\n"));
      const created = await H.api("POST", "/v1/group-messages", {
        account_id: H.accountId,
        channel_id: ch.twilio,
        message_body: "Hi {NAME}",
        contact_group_ids: [groupId],
        status: "queued",
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const done = await H.waitFor(id, (g) => Number(g.delivered_count) === 2_000, "every message delivered", 240_000);
      expect(done).toMatchObject({
        total_recipients: 2_000,
        sent_count: 2_000,
        delivered_count: 2_000,
        failed_count: 0,
      });
      const after = await simCounters(H.h, "twilio");
      expect(after.accepted - before.accepted).toBe(2_000);
      const statuses = await withPg(
        H.h.db,
        async (c) =>
          (
            await c.query<{ status: string; n: number }>(
              `SELECT status, count(*)::int AS n FROM messages WHERE group_message_id = $1 GROUP BY status`,
              [id],
            )
          ).rows,
      );
      expect(statuses).toEqual([{ status: "delivered", n: 2_000 }]);
    },
  );
});
