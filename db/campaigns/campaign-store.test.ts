import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignRenderer } from "../../core/campaign/render.js";
import { planPage } from "../../core/campaign/page-plan.js";
import type { CampaignContact } from "../../core/campaign/contact.js";
import type { Database } from "../client.js";
import { insertChannel, openMigratedEmbedded } from "../testkit/embedded.js";
import { CampaignStore } from "./campaign-store.js";

/**
 * The fan-out's page insert on an in-memory PGlite: every message carries the campaign's channel
 * content (options, rendered template parts), and WhatsApp recipients outside the care window get
 * a failed row at once unless a template can reach them.
 */
const now = new Date("2026-03-10T12:00:00.000Z");

describe("campaign pages carry the channel content", () => {
  let db: Database;
  const A = randomUUID();
  const store = () => new CampaignStore(db, () => undefined);
  const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    db.withSession(async (s) => (await s.query<R>(text, params)).rows);

  beforeAll(async () => {
    db = await openMigratedEmbedded();
  });
  afterAll(() => db.close());

  async function template(fields: { body: string; email?: object; whatsapp?: object }): Promise<string> {
    const id = randomUUID();
    await sql(
      `INSERT INTO templates (id, account_id, name, body, email_parts, whatsapp_template) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
      [
        id,
        A,
        `t-${id}`,
        fields.body,
        fields.email ? JSON.stringify(fields.email) : null,
        fields.whatsapp ? JSON.stringify(fields.whatsapp) : null,
      ],
    );
    return id;
  }

  async function campaign(
    channelId: string,
    c: { templateId?: string; body?: string; options?: object; metadata?: object },
  ): Promise<string> {
    const id = randomUUID();
    await sql(
      `INSERT INTO group_messages (id, account_id, channel_id, template_id, message_body, status, channel_options, metadata, queued_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6::jsonb, $7::jsonb, $8, $8, $8)`,
      [
        id,
        A,
        channelId,
        c.templateId ?? null,
        c.body ?? null,
        JSON.stringify(c.options ?? {}),
        JSON.stringify(c.metadata ?? {}),
        now,
      ],
    );
    return id;
  }

  /** Fans one page of `contacts` out the way the campaign turn does, and returns the rows by address. */
  async function fanOut(id: string, contacts: CampaignContact[]) {
    await store().startProcessing(id, now);
    const c = (await store().load(id))!;
    const plan = planPage(contacts, c.channelType, campaignRenderer(c.content, c.channelType));
    const result = await store().insertPage(
      c,
      { cursor: null, nextCursor: null, contacts: contacts.length, plan },
      now,
    );
    const rows = await sql<{
      delivery_address: string;
      message_body: string;
      channel_options: Record<string, unknown>;
      status: string;
      error_code: string | null;
      failed_at: Date | null;
    }>(
      `SELECT delivery_address, message_body, channel_options, status, error_code, failed_at FROM messages WHERE group_message_id = $1`,
      [id],
    );
    return { result, rows: Object.fromEntries(rows.map((r) => [r.delivery_address, r])) };
  }

  it("e-mail: the template's subject and HTML rendered per recipient, with the campaign's Reply-To", async () => {
    const ch = await insertChannel(db, A, { channelType: "email", provider: "default" });
    const t = await template({
      body: "Hi {FIRST_NAME}",
      email: { subject: "News for {FIRST_NAME}", html: "<p>Hello <b>{NAME}</b></p>" },
    });
    const id = await campaign(ch, { templateId: t, options: { reply_to: "desk@example.org" } });
    const { rows } = await fanOut(id, [{ id: randomUUID(), name: "Ana <A>", email: "ana@example.org" }]);
    expect(rows["ana@example.org"]).toMatchObject({
      status: "queued",
      message_body: "Hello Ana <A>",
      channel_options: {
        subject: "News for Ana",
        html: "<p>Hello <b>Ana &lt;A&gt;</b></p>",
        reply_to: "desk@example.org",
      },
    });
  });

  it("e-mail: an ad-hoc campaign's subject (kept in metadata by an older client) reaches every message", async () => {
    const ch = await insertChannel(db, A, { channelType: "email", provider: "default" });
    const id = await campaign(ch, { body: "Hello {NAME}", metadata: { subject: "Hi {NAME}", is_html: true } });
    const { rows } = await fanOut(id, [{ id: randomUUID(), name: "Ben", email: "ben@example.org" }]);
    expect(rows["ben@example.org"]).toMatchObject({
      message_body: "Hello Ben",
      channel_options: { subject: "Hi Ben", is_html: true },
    });
  });

  it("suppressions: skips the channel scope's and the account-wide ones, each under its reason; another account's do not count", async () => {
    const ch = await insertChannel(db, A, { channelType: "sms", provider: "twilio" });
    await sql(
      `INSERT INTO contact_opt_outs (account_id, channel_scope, address, source, created_at)
       VALUES ($1, 'sms', '+251911000601', 'keyword', $2),
              ($1, 'all', '+251911000602', 'manual', $2),
              ($1, 'all', '+251911000603', 'bounce', $2),
              ($1, 'whatsapp', '+251911000604', 'manual', $2),
              ($3, 'all', '+251911000605', 'manual', $2)`,
      [A, now, randomUUID()],
    );
    const id = await campaign(ch, { body: "Hello" });
    const phones = ["+251911000601", "+251911000602", "+251911000603", "+251911000604", "+251911000605"];
    const { rows } = await fanOut(
      id,
      phones.map((phone) => ({ id: randomUUID(), phone })),
    );
    expect(Object.keys(rows).sort()).toEqual(["+251911000604", "+251911000605"]);
    const [delta] = await sql<{ skipped: number; skipped_reasons: Record<string, number> }>(
      `SELECT skipped, skipped_reasons FROM group_message_counter_deltas WHERE group_message_id = $1`,
      [id],
    );
    expect(delta).toEqual({ skipped: 3, skipped_reasons: { opted_out: 1, suppressed: 1, suppressed_bounce: 1 } });
  });

  it("whatsapp: free-form text to a recipient outside the window fails at once; one who wrote gets the text", async () => {
    const ch = await insertChannel(db, A, { channelType: "whatsapp", provider: "default" });
    await sql(
      `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, last_inbound_at)
       VALUES ($1, $2, $3, 'whatsapp', '+251911000301', '1555', $4)`,
      [randomUUID(), A, ch, new Date(now.getTime() - 3_600_000)],
    );
    const id = await campaign(ch, { body: "Your code is {CODE}", options: { preview_url: true } });
    const { result, rows } = await fanOut(id, [
      { id: randomUUID(), phone: "+251911000301", metadata: { code: "1" } },
      { id: randomUUID(), phone: "+251911000302", metadata: { code: "2" } },
    ]);
    expect(result).toMatchObject({ ok: true, queued: 1 });
    expect(rows["+251911000301"]).toMatchObject({ status: "queued", channel_options: { preview_url: true } });
    expect(rows["+251911000302"]).toMatchObject({ status: "failed", error_code: "outside_care_window" });
    expect(rows["+251911000302"]!.failed_at).not.toBeNull();
    const [delta] = await sql<{ queued: number; failed: number }>(
      `SELECT sum(queued)::int AS queued, sum(failed)::int AS failed FROM group_message_counter_deltas WHERE group_message_id = $1`,
      [id],
    );
    expect(delta).toEqual({ queued: 1, failed: 1 });
  });

  it("whatsapp: with a mapped template every recipient is queued, carrying the template filled for them", async () => {
    const ch = await insertChannel(db, A, { channelType: "whatsapp", provider: "default" });
    const t = await template({
      body: "Hi {FIRST_NAME}, order {ORDER} shipped",
      whatsapp: {
        name: "order_shipped",
        language: "en_US",
        components: [{ type: "body", parameters: ["FIRST_NAME", "ORDER"] }],
      },
    });
    const id = await campaign(ch, { templateId: t });
    const { rows } = await fanOut(id, [
      { id: randomUUID(), name: "Chala", phone: "+251911000303", metadata: { order: "9" } },
    ]);
    expect(rows["+251911000303"]).toMatchObject({
      status: "queued",
      message_body: "Hi Chala, order 9 shipped",
      channel_options: {
        outside_window_template: {
          name: "order_shipped",
          language: "en_US",
          components: [
            {
              type: "body",
              parameters: [
                { type: "text", text: "Chala" },
                { type: "text", text: "9" },
              ],
            },
          ],
        },
      },
    });
  });
});
