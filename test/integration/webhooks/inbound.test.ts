import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simRecipients, startCampaignHarness, type CampaignHarness } from "../campaign/harness.js";
import { twilioCredentials } from "../dispatch/harness.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import { startRelay, type Captured, type Relay } from "./proxy.js";

/**
 * Inbound messages end to end on the production stack (RabbitMQ, PostgreSQL, real sidecars): the
 * simulator sends signed Twilio forms and Telegram updates through a recording relay to the API's
 * receivers; the inbound consumer in the dispatcher stores them with their contact and
 * conversation, and STOP/START keywords decide whether later single and campaign sends go out.
 */
const RELAY_PORT = 20_900;
const telegramCreds = { bot_token: "7000000501:SIMtokenSIMtokenSIMtoken", webhook_secret: "sim-secret-token_501" };

let H: CampaignHarness;
let relay: Relay;
const ch: Record<string, string> = {};

const sim = (body: Record<string, string>) =>
  fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

interface InboundRow {
  id: string;
  contact_id: string;
  conversation_id: string;
  message_body: string;
  status: string;
  created_at: Date;
}

const inbound = (channelId: string, from: string) =>
  withPg(
    H.h.db,
    async (c) =>
      (
        await c.query<InboundRow>(
          `SELECT id, contact_id, conversation_id, message_body, status, created_at FROM messages WHERE channel_id = $1 AND direction = 'inbound' AND delivery_address = $2 ORDER BY created_at`,
          [channelId, from],
        )
      ).rows,
  );

const conversations = (channelId: string, from: string) =>
  withPg(
    H.h.db,
    async (c) =>
      (
        await c.query<{
          id: string;
          contact_id: string;
          participant_to: string;
          status: string;
          last_message_at: Date;
        }>(
          `SELECT id, contact_id, participant_to, status, last_message_at FROM conversations WHERE channel_id = $1 AND participant_from = $2`,
          [channelId, from],
        )
      ).rows,
  );

const contactsWhere = (where: string, value: string) =>
  withPg(
    H.h.db,
    async (c) =>
      (
        await c.query<{ id: string; name: string | null }>(
          `SELECT id, name FROM contacts WHERE account_id = $1 AND ${where} = $2`,
          [H.accountId, value],
        )
      ).rows,
  );

const optOut = (address: string) =>
  withPg(
    H.h.db,
    async (c) =>
      (
        await c.query<{ contact_id: string; source: string; reason: string; channel_id: string }>(
          `SELECT contact_id, source, reason, channel_id FROM contact_opt_outs WHERE account_id = $1 AND channel_scope = 'sms' AND address = $2`,
          [H.accountId, address],
        )
      ).rows[0],
  );

/** The dispatcher's count of inbound events by result (its Prometheus counter). */
async function inboundCount(kind: string): Promise<number> {
  const text = await (await fetch(H.h.t.stack.url(H.h.t.dispatcherApp, "/metrics"))).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("turumba_inbound_messages_total{") && l.includes(`kind="${kind}"`))
    .reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
}

/**
 * The same webhook delivered again after the receivers' replay guard forgot it (as after its
 * TTL): the receiver publishes it a second time, so the consumer itself must not store it twice.
 */
async function deliverAgain(hook: Captured): Promise<void> {
  const before = await inboundCount("duplicate");
  await withPg(H.h.db, (c) => c.query(`DELETE FROM webhook_dedup`));
  const res = await relay.send(hook);
  expect(res.status).toBe(200);
  await eventually(
    "the redelivered inbound event reaches the consumer as a duplicate",
    async () => ((await inboundCount("duplicate")) > before ? true : undefined),
    20_000,
  );
}

async function twilioInbound(from: string, text: string): Promise<Captured> {
  const before = relay.captured.length;
  expect((await sim({ provider: "twilio", from, to: "8080", text, token: twilioCredentials.auth_token })).status).toBe(
    202,
  );
  const body = `Body=${encodeURIComponent(text).replace(/%20/g, "+")}`;
  return eventually(
    `twilio inbound ${text}`,
    async () => relay.captured.slice(before).find((c) => c.status !== undefined && c.body.includes(body)),
    10_000,
  );
}

async function sendOne(to: string): Promise<string> {
  const r = await H.api("POST", "/v1/messages", {
    account_id: H.accountId,
    channel_id: ch.twilio,
    delivery_address: to,
    message_body: "Hello again",
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const messageStatus = (id: string) =>
  withPg(
    H.h.db,
    async (c) =>
      (
        await c.query<{ status: string; error_code: string | null; error_message: string | null }>(
          `SELECT status, error_code, error_message FROM messages WHERE id = $1`,
          [id],
        )
      ).rows[0]!,
  );

beforeAll(async () => {
  relay = await startRelay(RELAY_PORT);
  H = await startCampaignHarness({
    basePort: 20_500,
    appEnv: { WEBHOOK_PUBLIC_URL: relay.url, WEBHOOK_REGISTER_EVERY_MS: "500", CAMPAIGN_AHEAD_MINUTES: "0.05" },
  });
  relay.setTarget(H.h.t.stack.url(H.h.t.apiApp, "/"));
  ch.twilio = await H.channel({
    name: "tw",
    channel_type: "sms",
    provider: "twilio",
    credentials: twilioCredentials,
    rate_limit: 60_000,
  });
  ch.telegram = await H.channel({
    name: "tg",
    channel_type: "telegram",
    credentials: telegramCreds,
    rate_limit: 60_000,
  });
  H.h.sim.configure({
    defaults: { receiptDelayMs: 20 },
    providers: { twilio: { receiptDelayMs: 20, webhookUrl: `${relay.url}/webhooks/twilio/${ch.twilio}` } },
  });
}, 240_000);

afterAll(async () => {
  await H?.stop();
  await relay?.stop();
});

describe("inbound messages: contacts, conversations, opt-out keywords", () => {
  it(
    "twilio: a signed inbound SMS creates one message, contact and conversation, however often it is delivered",
    { timeout: 90_000 },
    async () => {
      const from = "+251911005001";
      const hook = await twilioInbound(from, "Selam");
      expect(hook.status).toBe(200);
      const [msg] = await eventually(
        "the inbound message stored",
        async () => ((await inbound(ch.twilio!, from)).length > 0 ? inbound(ch.twilio!, from) : undefined),
        20_000,
      );
      expect(msg).toMatchObject({ message_body: "Selam", status: "delivered" });

      await deliverAgain(hook);
      await deliverAgain(hook);
      const rows = await inbound(ch.twilio!, from);
      expect(rows).toHaveLength(1);
      const contacts = await contactsWhere("phone", from);
      expect(contacts).toHaveLength(1);
      const convs = await conversations(ch.twilio!, from);
      expect(convs).toHaveLength(1);
      expect(convs[0]).toMatchObject({
        id: msg!.conversation_id,
        contact_id: contacts[0]!.id,
        participant_to: "8080",
        status: "open",
      });
      expect(msg!.contact_id).toBe(contacts[0]!.id);
      expect(convs[0]!.last_message_at.getTime()).toBe(msg!.created_at.getTime());

      // A second message from the same person threads into the same conversation.
      await twilioInbound(from, "How are you");
      const both = await eventually(
        "the second message stored",
        async () => {
          const r = await inbound(ch.twilio!, from);
          return r.length === 2 ? r : undefined;
        },
        20_000,
      );
      expect(new Set(both.map((r) => r.conversation_id))).toEqual(new Set([msg!.conversation_id]));
      expect(new Set(both.map((r) => r.contact_id))).toEqual(new Set([contacts[0]!.id]));
      expect(await contactsWhere("phone", from)).toHaveLength(1);
      const [conv] = await conversations(ch.twilio!, from);
      expect(conv!.last_message_at.getTime()).toBe(Math.max(...both.map((r) => r.created_at.getTime())));
    },
  );

  it(
    "telegram: an update from a known chat id threads into that contact's conversation, once",
    { timeout: 90_000 },
    async () => {
      const groupId = await H.group("tg-people", ["name,telegram_chat_id", "Kebede,700501"].join("\n"));
      expect(groupId).toEqual(expect.any(String));
      const [kebede] = await contactsWhere("metadata->>'telegram_chat_id'", "700501");
      // The API registers the webhook with the simulator (setWebhook with the secret token) shortly after the channel is created.
      await eventually(
        "telegram webhook registered",
        async () =>
          withPg(H.h.db, async (c) =>
            (
              await c.query(
                `SELECT 1 FROM channel_webhook_registrations WHERE channel_id = $1 AND status = 'registered'`,
                [ch.telegram],
              )
            ).rows.length > 0
              ? true
              : undefined,
          ),
        20_000,
      );
      const before = relay.captured.length;
      expect((await sim({ provider: "telegram", from: "700501", text: "hi there" })).status).toBe(202);
      const hook = await eventually(
        "telegram update relayed",
        async () => relay.captured.slice(before).find((c) => c.path.includes(ch.telegram!) && c.status !== undefined),
        10_000,
      );
      expect(hook.status).toBe(200);
      expect(hook.headers["x-telegram-bot-api-secret-token"]).toBe(telegramCreds.webhook_secret);
      const [msg] = await eventually(
        "the telegram message stored",
        async () => ((await inbound(ch.telegram!, "700501")).length > 0 ? inbound(ch.telegram!, "700501") : undefined),
        20_000,
      );
      expect(msg).toMatchObject({ message_body: "hi there", contact_id: kebede!.id });

      await deliverAgain(hook);
      expect(await inbound(ch.telegram!, "700501")).toHaveLength(1);
      expect(await contactsWhere("metadata->>'telegram_chat_id'", "700501")).toHaveLength(1);
      const convs = await conversations(ch.telegram!, "700501");
      expect(convs).toHaveLength(1);
      expect(convs[0]).toMatchObject({ id: msg!.conversation_id, contact_id: kebede!.id, participant_to: "" });
    },
  );

  it(
    "STOP opts the sender out: a single send fails with opted_out, a campaign skips it; START lets messages through again",
    { timeout: 180_000 },
    async () => {
      // Chala's number was imported without its "+": the opt-out still finds the contact, and the campaign still skips it.
      const groupId = await H.group(
        "stop-people",
        ["name,phone", "Almaz,+251911005101", "Bekele,+251911005102", "Chala,251911005103"].join("\n"),
      );
      const [chala] = await contactsWhere("phone", "251911005103");
      const stopped = "+251911005103";

      await twilioInbound(stopped, "Stop");
      const mark = await eventually("the opt-out recorded", () => optOut(stopped), 20_000);
      expect(mark).toMatchObject({ contact_id: chala!.id, source: "keyword", reason: "STOP", channel_id: ch.twilio });
      const [stopMsg] = await inbound(ch.twilio!, stopped);
      expect(stopMsg).toMatchObject({ message_body: "Stop", contact_id: chala!.id });

      // A single message to the opted-out number is failed at the claim, never sent.
      const single = await sendOne(stopped);
      const failed = await eventually(
        "the single send failed",
        async () => {
          const m = await messageStatus(single);
          return m.status === "failed" ? m : undefined;
        },
        30_000,
      );
      expect(failed.error_code).toBe("opted_out");
      expect(failed.error_message).toMatch(/opted out/);
      const events = await withPg(
        H.h.db,
        async (c) =>
          (
            await c.query<{ to_status: string }>(
              `SELECT to_status FROM message_events WHERE message_id = $1 ORDER BY created_at, id`,
              [single],
            )
          ).rows,
      );
      // Created queued, then failed by the claim: never sending.
      expect(events.map((e) => e.to_status)).toEqual(["queued", "failed"]);

      // A campaign to the group sends to the two others and skips Chala with reason opted_out.
      const created = await H.api("POST", "/v1/group-messages", {
        account_id: H.accountId,
        channel_id: ch.twilio,
        message_body: "Hi {FIRST_NAME}",
        contact_group_ids: [groupId],
        status: "queued",
      });
      expect(created.status).toBe(201);
      const done = await H.waitFor(
        created.body.id as string,
        (g) => g.status === "completed",
        "the campaign to complete",
        90_000,
      );
      expect(done).toMatchObject({
        total_recipients: 3,
        sent_count: 2,
        failed_count: 0,
        skipped_count: 1,
        skipped_reasons: { opted_out: 1 },
      });
      const sent = await simRecipients(H.h, "twilio");
      expect(sent["+251911005101"]).toBe(1);
      expect(sent["+251911005102"]).toBe(1);
      expect(sent[stopped] ?? 0).toBe(0);
      expect(sent["251911005103"] ?? 0).toBe(0);

      // START removes the mark; the next message goes out.
      await twilioInbound(stopped, "START");
      await eventually(
        "the opt-out removed",
        async () => ((await optOut(stopped)) === undefined ? true : undefined),
        20_000,
      );
      const again = await sendOne(stopped);
      const ok = await eventually(
        "the send after START went out",
        async () => {
          const m = await messageStatus(again);
          return ["sent", "delivered"].includes(m.status) ? m : undefined;
        },
        30_000,
      );
      expect(ok.error_code).toBeNull();
      expect((await simRecipients(H.h, "twilio"))[stopped]).toBe(1);
    },
  );
});
