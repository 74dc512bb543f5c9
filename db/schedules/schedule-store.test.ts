import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventPublisher } from "../../core/publisher.js";
import { putChannelQuota } from "../accounts/channel-quotas.js";
import { EndpointStore } from "../callbacks/endpoint-store.js";
import { SecretBox } from "../secret-box.js";
import type { Database } from "../client.js";
import { insertChannel, openMigratedEmbedded } from "../testkit/embedded.js";
import { ScheduleStore } from "./schedule-store.js";

/**
 * A schedule's trigger on an in-memory PGlite: what it creates carries the schedule's channel
 * content — the options, the template's parts rendered for the recipient — and a WhatsApp text to
 * a recipient outside the care window is created failed, never queued.
 */
const at = new Date("2026-03-10T09:00:00.000Z");
const now = new Date("2026-03-10T09:00:01.000Z");

describe("schedule triggers carry the channel content", () => {
  let db: Database;
  const A = randomUUID();
  const published: { topic: string; data: unknown }[] = [];
  const publisher: EventPublisher = {
    publish: async (topic, data) => {
      published.push({ topic, data });
    },
  };
  const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    db.withSession(async (s) => (await s.query<R>(text, params)).rows);

  beforeAll(async () => {
    db = await openMigratedEmbedded();
  });
  afterAll(() => db.close());

  async function schedule(
    channelId: string,
    s: {
      sendType: "single" | "group";
      address?: string;
      templateId?: string;
      body?: string;
      options?: object;
      metadata?: object;
      customValues?: object;
      groupId?: string;
    },
  ): Promise<string> {
    const id = randomUUID();
    await sql(
      `INSERT INTO scheduled_messages (id, account_id, channel_id, template_id, message_body, send_type, delivery_address, contact_group_ids,
                                       custom_values, scheduled_at, next_trigger_at, channel_options, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $10, $11::jsonb, $12::jsonb)`,
      [
        id,
        A,
        channelId,
        s.templateId ?? null,
        s.body ?? null,
        s.sendType,
        s.address ?? null,
        JSON.stringify(s.sendType === "group" ? [s.groupId ?? randomUUID()] : []),
        JSON.stringify(s.customValues ?? {}),
        at,
        JSON.stringify(s.options ?? {}),
        JSON.stringify(s.metadata ?? {}),
      ],
    );
    return id;
  }

  const created = async (scheduleId: string) =>
    (
      await sql<{ status: string; message_body: string; channel_options: object; error_code: string | null }>(
        `SELECT status, message_body, channel_options, error_code FROM messages WHERE scheduled_message_id = $1`,
        [scheduleId],
      )
    )[0];

  it("a single e-mail gets the template's subject and HTML rendered, with the schedule's options", async () => {
    const ch = await insertChannel(db, A, { channelType: "email", provider: "default" });
    const t = randomUUID();
    await sql(
      `INSERT INTO templates (id, account_id, name, body, email_parts) VALUES ($1, $2, 'reminder', 'Hi {NAME}', $3::jsonb)`,
      [t, A, JSON.stringify({ subject: "Reminder for {NAME}", html: "<p>See you, <b>{NAME}</b></p>" })],
    );
    const id = await schedule(ch, {
      sendType: "single",
      address: "ana@example.org",
      templateId: t,
      customValues: { NAME: "Ana & Co" },
      options: { reply_to: "desk@example.org" },
    });
    expect((await new ScheduleStore(db, publisher).fire(id, at, null, now)).fired).toBe(true);
    expect(await created(id)).toEqual({
      status: "queued",
      message_body: "See you, Ana & Co",
      channel_options: {
        subject: "Reminder for Ana & Co",
        html: "<p>See you, <b>Ana &amp; Co</b></p>",
        reply_to: "desk@example.org",
      },
      error_code: null,
    });
  });

  it("a single Telegram message keeps the parse mode an older client put in metadata", async () => {
    const ch = await insertChannel(db, A, { channelType: "telegram", provider: "default" });
    const id = await schedule(ch, {
      sendType: "single",
      address: "424242",
      body: "*bold*",
      metadata: { parse_mode: "MarkdownV2" },
    });
    await new ScheduleStore(db, publisher).fire(id, at, null, now);
    expect(await created(id)).toMatchObject({ status: "queued", channel_options: { parse_mode: "MarkdownV2" } });
  });

  it("a single WhatsApp text to someone who never wrote is created failed, and nothing is published", async () => {
    const ch = await insertChannel(db, A, { channelType: "whatsapp", provider: "default" });
    const id = await schedule(ch, { sendType: "single", address: "+251911000401", body: "Hello" });
    published.length = 0;
    await new ScheduleStore(db, publisher).fire(id, at, null, now);
    expect(await created(id)).toMatchObject({ status: "failed", error_code: "outside_care_window" });
    expect(published).toEqual([]);
  });

  it("a group send's campaign gets the schedule's options", async () => {
    const ch = await insertChannel(db, A, { channelType: "email", provider: "default" });
    const id = await schedule(ch, {
      sendType: "group",
      body: "News",
      options: { html: "<p>News</p>" },
      metadata: { subject: "Weekly news" },
    });
    await new ScheduleStore(db, publisher).fire(id, at, null, now);
    const [g] = await sql<{ channel_options: object }>(
      `SELECT channel_options FROM group_messages WHERE scheduled_message_id = $1`,
      [id],
    );
    expect(g?.channel_options).toEqual({ subject: "Weekly news", html: "<p>News</p>" });
  });

  it("a firing over the channel type's quota fails its message with quota_exceeded, and publishes only the one within it", async () => {
    const ch = await insertChannel(db, A, { channelType: "sms", provider: "twilio" });
    await putChannelQuota(db.orm, A, "sms", { dailyLimit: 1, monthlyLimit: null }, now);
    const id = await schedule(ch, { sendType: "single", address: "+251911000402", body: "Daily" });
    const next = new Date(at.getTime() + 3_600_000);
    published.length = 0;
    await new ScheduleStore(db, publisher).fire(id, at, next, now);
    await new ScheduleStore(db, publisher).fire(id, next, null, new Date(next.getTime() + 1_000));
    const rows = await sql<{ status: string; error_code: string | null; error_message: string | null }>(
      `SELECT status, error_code, error_message FROM messages WHERE scheduled_message_id = $1 ORDER BY created_at`,
      [id],
    );
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ["queued", null],
      ["failed", "quota_exceeded"],
    ]);
    expect(rows[1]!.error_message).toContain("resets at 2026-03-11T00:00:00.000Z");
    expect(published).toHaveLength(1);
  });

  it("a group firing whose recipients pass the quota creates its campaign failed, unpublished, and stages its campaign.completed", async () => {
    const ch = await insertChannel(db, A, { channelType: "telegram", provider: "default" });
    await putChannelQuota(db.orm, A, "telegram", { dailyLimit: null, monthlyLimit: 2 }, now);
    const group = randomUUID();
    await sql(`INSERT INTO contact_groups (id, account_id, name) VALUES ($1, $2, 'three')`, [group, A]);
    for (let i = 0; i < 3; i++) {
      const contact = randomUUID();
      await sql(`INSERT INTO contacts (id, account_id) VALUES ($1, $2)`, [contact, A]);
      await sql(`INSERT INTO contact_group_members (group_id, contact_id, account_id) VALUES ($1, $2, $3)`, [
        group,
        contact,
        A,
      ]);
    }
    const id = await schedule(ch, { sendType: "group", body: "News", groupId: group });
    // The account listens for campaign.completed: the failed campaign's is staged with it.
    const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);
    await new EndpointStore(db, box).create(
      A,
      { url: "https://example.com/hook", description: null, eventTypes: ["campaign.completed"] },
      now,
    );
    published.length = 0;
    expect((await new ScheduleStore(db, publisher).fire(id, at, null, now)).fired).toBe(true);
    const [g] = await sql<{ status: string; failure_reason: string | null }>(
      `SELECT status, failure_reason FROM group_messages WHERE scheduled_message_id = $1`,
      [id],
    );
    expect(g?.status).toBe("failed");
    expect(g?.failure_reason).toMatch(
      /^quota_exceeded: the monthly telegram quota of 2 has \d left \(this firing needs 3\)/,
    );
    expect(published).toEqual([]);
    const staged = await sql<{ payload: { type: string; data: { status: string; counters: { total: number } } } }>(
      `SELECT payload FROM callback_outbox WHERE account_id = $1`,
      [A],
    );
    expect(staged.map((r) => [r.payload.type, r.payload.data.status, r.payload.data.counters.total])).toEqual([
      ["campaign.completed", "failed", 3],
    ]);
  });
});
