import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import type { Database, Session } from "../client.js";
import {
  eventsOf,
  insertCampaign,
  insertChannel,
  insertMessage,
  messageRow,
  openMigratedEmbedded,
} from "../testkit/embedded.js";
import {
  OPTED_OUT,
  SUPPRESSED,
  SUPPRESSED_BOUNCE,
  applyOutcomes,
  applyReceiptChanges,
  cancelQueuedCampaignMessages,
  changeRequestedStatus,
  claimQueued,
  recordClaims,
  requeueStuckSending,
  type ReceiptChange,
} from "./status-writes.js";

/**
 * Every statement that changes a message's status, on an in-memory PGlite with the migrations
 * applied: what each one moves, what it refuses, and the message_events rows it writes.
 */
const t0 = new Date("2026-03-10T12:00:00.000Z");
const later = new Date("2026-03-10T12:05:00.000Z");

describe("status writes", () => {
  let db: Database;
  let channelId: string;
  const A = randomUUID();
  const tx = <T>(fn: (s: Session) => Promise<T>) => db.transaction(fn);

  beforeAll(async () => {
    db = await openMigratedEmbedded();
    channelId = await insertChannel(db, A);
  });
  afterAll(() => db.close());

  const fresh = async () => insertChannel(db, A);

  describe("the dispatch claim", () => {
    it.each(["paused", "disabled"])("claims nothing on a %s channel, whatever its actor last saw", async (status) => {
      // The actor learns of a pause from an event that may still be on its way; the claim itself
      // reads the channel row, so nothing is sent once the PATCH that paused it has committed.
      const ch = await fresh();
      const m = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "queued",
        createdAt: t0,
        address: "+251911000150",
      });
      await db.withSession((s) => s.query(`UPDATE channels SET status = $2 WHERE id = $1`, [ch, status]));
      expect((await tx((s) => claimQueued(s, ch, 10, later))).sending).toEqual([]);
      expect(await messageRow(db, m.id)).toMatchObject({ status: "queued", attempts: 0 });

      await db.withSession((s) =>
        s.query(`UPDATE channels SET status = 'active', is_enabled = false WHERE id = $1`, [ch]),
      );
      expect((await tx((s) => claimQueued(s, ch, 10, later))).sending).toEqual([]);

      await db.withSession((s) => s.query(`UPDATE channels SET is_enabled = true WHERE id = $1`, [ch]));
      expect((await tx((s) => claimQueued(s, ch, 10, later))).sending.map((c) => c.id)).toEqual([m.id]);
    });

    it("moves due queued messages to sending, highest priority first, and fails opted-out recipients with their event", async () => {
      const ch = await fresh();
      const low = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "queued",
        createdAt: t0,
        priority: 0,
        address: "+251911000101",
      });
      const high = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "queued",
        createdAt: new Date(t0.getTime() + 1),
        priority: 5,
        address: "+251911000102",
      });
      const notDue = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "queued",
        createdAt: t0,
        nextAttemptAt: new Date(later.getTime() + 60_000),
        address: "+251911000103",
      });
      // Stored without the plus sign: the claim normalises SMS addresses before the opt-out look-up.
      const stopped = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "queued",
        createdAt: t0,
        priority: 9,
        address: "251911000104",
      });
      await db.withSession((s) =>
        s.query(
          `INSERT INTO contact_opt_outs (account_id, channel_scope, address, source, channel_id, created_at) VALUES ($1, 'sms', '+251911000104', 'keyword', $2, $3)`,
          [A, ch, t0],
        ),
      );

      const { sending, optedOut } = await tx((s) => claimQueued(s, ch, 10, later));

      expect(optedOut).toBe(1);
      expect(sending.map((m) => m.id).sort()).toEqual([low.id, high.id].sort());
      expect(sending.find((m) => m.id === high.id)).toMatchObject({
        accountId: A,
        deliveryAddress: "+251911000102",
        messageBody: "hello",
        attempts: 1,
        priority: 5,
        groupMessageId: null,
        traceId: null,
      });
      expect(await messageRow(db, high.id)).toMatchObject({ status: "sending", attempts: 1, updated_at: later });
      expect(await messageRow(db, notDue.id)).toMatchObject({ status: "queued", attempts: 0 });
      expect(await messageRow(db, stopped.id)).toMatchObject({
        status: "failed",
        error_code: OPTED_OUT,
        failed_at: later,
        attempts: 0,
      });
      expect(await eventsOf(db, stopped.id)).toEqual([
        expect.objectContaining({
          event_type: "status_changed",
          from_status: "queued",
          to_status: "failed",
          message_created_at: t0,
          event_data: expect.objectContaining({ channel_id: ch, error_code: OPTED_OUT }),
        }),
      ]);
      // Claimed messages get their event when the turn records the claim.
      expect(await eventsOf(db, high.id)).toEqual([]);
      await db.withSession((s) => recordClaims(s, sending, later, ch));
      expect(await eventsOf(db, high.id)).toEqual([
        expect.objectContaining({
          event_type: "status_changed",
          from_status: "queued",
          to_status: "sending",
          event_data: { channel_id: ch, attempt: 1 },
        }),
      ]);
      // Nothing is left to claim: a second turn sends nothing twice.
      expect((await tx((s) => claimQueued(s, ch, 10, later))).sending).toEqual([]);
    });

    it("hands the sender each message's options, what it replies to, and on WhatsApp when its recipient last wrote", async () => {
      const wa = await insertChannel(db, A, { channelType: "whatsapp", provider: "default" });
      const sms = await fresh();
      const wrote = new Date(t0.getTime() - 3_600_000);
      await db.withSession((s) =>
        s.query(
          `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, last_inbound_at)
           VALUES ($1, $2, $3, 'whatsapp', '+251911000201', '15550001111', $4), ($5, $2, $6, 'sms', '+251911000201', '8080', $4)`,
          [randomUUID(), A, wa, wrote, randomUUID(), sms],
        ),
      );
      const template = { name: "order_update", language: "en_US" };
      const queue = (channelId: string, type: string, address: string, options: object, replyTo: string | null) =>
        db.withSession((s) =>
          s.query(
            `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body,
                                   channel_options, reply_to_provider_message_id)
             VALUES ($1, $2, $3, $4, $5, 'outbound', 'queued', $6, 'hi', $7::jsonb, $8)`,
            [randomUUID(), t0, A, channelId, type, address, JSON.stringify(options), replyTo],
          ),
        );
      await queue(wa, "whatsapp", "251911000201", { outside_window_template: template }, "wamid.IN1");
      await queue(wa, "whatsapp", "+251911000202", {}, null);
      await queue(sms, "sms", "+251911000201", {}, null);

      const { sending } = await tx((s) => claimQueued(s, wa, 10, later));
      const byAddress = Object.fromEntries(sending.map((m) => [m.deliveryAddress, m]));
      expect(byAddress["251911000201"]).toMatchObject({
        options: { outside_window_template: template },
        replyTo: "wamid.IN1",
        lastInboundAt: wrote.toISOString(),
      });
      expect(byAddress["+251911000202"]).toMatchObject({ options: {}, replyTo: null, lastInboundAt: null });
      // Other channel types have no care window: nothing is looked up for them.
      const other = await tx((s) => claimQueued(s, sms, 10, later));
      expect(other.sending[0]?.lastInboundAt).toBeNull();
    });
  });

  it("fails messages to a bounce-suppressed address with suppressed_bounce, and opted-out ones with opted_out", async () => {
    const mail = await insertChannel(db, A, { channelType: "email", provider: "default" });
    const bounced = await insertMessage(db, {
      accountId: A,
      channelId: mail,
      status: "queued",
      createdAt: t0,
      address: "Ana@Example.org",
    });
    const unsubscribed = await insertMessage(db, {
      accountId: A,
      channelId: mail,
      status: "queued",
      createdAt: t0,
      address: "ben@example.org",
    });
    const fine = await insertMessage(db, {
      accountId: A,
      channelId: mail,
      status: "queued",
      createdAt: t0,
      address: "cai@example.org",
    });
    await db.withSession((s) =>
      s.query(
        `INSERT INTO contact_opt_outs (account_id, channel_scope, address, source, reason, channel_id, created_at)
         VALUES ($1, 'email', 'ana@example.org', 'bounce', 'bounce:Permanent/General: smtp; 550 5.1.1 user unknown', $2, $3),
                ($1, 'email', 'ben@example.org', 'provider', 'complaint', $2, $3)`,
        [A, mail, t0],
      ),
    );

    const { sending, optedOut } = await tx((s) => claimQueued(s, mail, 10, later));

    expect(sending.map((m) => m.id)).toEqual([fine.id]);
    expect(optedOut).toBe(2);
    expect(await messageRow(db, bounced.id)).toMatchObject({
      status: "failed",
      error_code: SUPPRESSED_BOUNCE,
      error_message: expect.stringContaining("550 5.1.1 user unknown"),
      attempts: 0,
    });
    expect(await messageRow(db, unsubscribed.id)).toMatchObject({ status: "failed", error_code: OPTED_OUT });
    expect(await eventsOf(db, bounced.id)).toEqual([
      expect.objectContaining({
        from_status: "queued",
        to_status: "failed",
        event_data: expect.objectContaining({ error_code: SUPPRESSED_BOUNCE }),
      }),
    ]);
  });

  it("skips account-wide suppressions on every channel type, and the scope's own row decides the error", async () => {
    const B = randomUUID();
    const sms = await insertChannel(db, B, { channelType: "smpp", provider: "smpp" });
    const mail = await insertChannel(db, B, { channelType: "email", provider: "default" });
    const q = (channel: string, address: string) =>
      insertMessage(db, { accountId: B, channelId: channel, status: "queued", createdAt: t0, address });
    const byHand = await q(sms, "251911000501");
    const both = await q(sms, "+251911000502");
    const mailByHand = await q(mail, "Dee@Example.org");
    const fine = await q(sms, "+251911000503");
    await db.withSession((s) =>
      s.query(
        `INSERT INTO contact_opt_outs (account_id, channel_scope, address, source, reason, created_at)
         VALUES ($1, 'all', '+251911000501', 'manual', 'asked by phone', $2),
                ($1, 'all', '+251911000502', 'manual', NULL, $2),
                ($1, 'sms', '+251911000502', 'keyword', 'STOP', $2),
                ($1, 'all', 'dee@example.org', 'complaint', NULL, $2),
                ($3, 'all', '+251911000503', 'manual', NULL, $2)`,
        [B, t0, randomUUID()],
      ),
    );

    const onSms = await tx((s) => claimQueued(s, sms, 10, later));
    const onMail = await tx((s) => claimQueued(s, mail, 10, later));

    expect(onSms.sending.map((m) => m.id)).toEqual([fine.id]);
    expect(onSms.optedOut).toBe(2);
    expect(onMail).toMatchObject({ sending: [], optedOut: 1 });
    expect(await messageRow(db, byHand.id)).toMatchObject({ status: "failed", error_code: SUPPRESSED });
    expect(await messageRow(db, both.id)).toMatchObject({ status: "failed", error_code: OPTED_OUT });
    expect(await messageRow(db, mailByHand.id)).toMatchObject({ status: "failed", error_code: OPTED_OUT });
  });

  describe("send outcomes", () => {
    it("writes sent, retry and failure only over rows still sending, one event each", async () => {
      const sent = await insertMessage(db, { accountId: A, channelId, status: "sending", createdAt: t0 });
      const retry = await insertMessage(db, { accountId: A, channelId, status: "sending", createdAt: t0 });
      const failed = await insertMessage(db, { accountId: A, channelId, status: "sending", createdAt: t0 });
      const overtaken = await insertMessage(db, { accountId: A, channelId, status: "cancelled", createdAt: t0 });
      const retryAt = new Date(later.getTime() + 2_000);
      const iso = t0.toISOString();

      const moved = await db.withSession((s) =>
        applyOutcomes(
          s,
          [
            { id: sent.id, createdAt: iso, accountId: A, status: "sent", providerMessageId: "SM1" },
            {
              id: retry.id,
              createdAt: iso,
              accountId: A,
              status: "queued",
              nextAttemptAt: retryAt,
              errorCode: "timeout",
              errorMessage: "slow",
              throttled: false,
            },
            {
              id: failed.id,
              createdAt: iso,
              accountId: A,
              status: "failed",
              errorCode: "21211",
              errorMessage: "bad number",
            },
            { id: overtaken.id, createdAt: iso, accountId: A, status: "sent", providerMessageId: "SM2" },
          ],
          later,
          channelId,
        ),
      );

      expect(moved).toBe(3);
      expect(await messageRow(db, sent.id)).toMatchObject({
        status: "sent",
        provider_message_id: "SM1",
        sent_at: later,
        error_code: null,
      });
      expect(await messageRow(db, retry.id)).toMatchObject({
        status: "queued",
        next_attempt_at: retryAt,
        error_code: "timeout",
        sent_at: null,
      });
      expect(await messageRow(db, failed.id)).toMatchObject({
        status: "failed",
        failed_at: later,
        error_code: "21211",
        error_message: "bad number",
      });
      expect(await messageRow(db, overtaken.id)).toMatchObject({ status: "cancelled", provider_message_id: null });
      expect(await eventsOf(db, sent.id)).toEqual([
        expect.objectContaining({
          from_status: "sending",
          to_status: "sent",
          event_data: { channel_id: channelId, provider_message_id: "SM1" },
        }),
      ]);
      expect((await eventsOf(db, retry.id))[0]!.event_data).toEqual({
        channel_id: channelId,
        error_code: "timeout",
        error_message: "slow",
        retry_at: retryAt.toISOString(),
        throttled: false,
      });
      expect(await eventsOf(db, overtaken.id)).toEqual([]);
    });

    it("records a retry whose send may have reached the provider as requeued: a duplicate it causes is counted", async () => {
      const unknown = await insertMessage(db, { accountId: A, channelId, status: "sending", createdAt: t0 });
      const retryAt = new Date(later.getTime() + 1_000);
      await db.withSession((s) =>
        applyOutcomes(
          s,
          [
            {
              id: unknown.id,
              createdAt: t0.toISOString(),
              accountId: A,
              status: "queued",
              nextAttemptAt: retryAt,
              errorCode: "smpp_connection_lost",
              errorMessage: "lost before submit_sm_resp",
              throttled: false,
              outcomeUnknown: true,
            },
          ],
          later,
          channelId,
        ),
      );
      expect(await eventsOf(db, unknown.id)).toEqual([
        expect.objectContaining({
          event_type: "requeued",
          from_status: "sending",
          to_status: "queued",
          event_data: expect.objectContaining({ reason: "outcome_unknown", error_code: "smpp_connection_lost" }),
        }),
      ]);
    });

    it("records the recipient as opted out when the provider refused the send for that reason", async () => {
      // A provider that refuses a send because the recipient unsubscribed (Twilio 21610, Vonage
      // "barred") says the same as a STOP: the next campaign skips the address.
      const ch = await insertChannel(db, A, { channelType: "sms", provider: "twilio" });
      const optedOut = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "sending",
        createdAt: t0,
        address: "+251911000777",
      });
      const invalid = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "sending",
        createdAt: t0,
        address: "+251911000778",
      });
      const iso = t0.toISOString();
      await db.withSession((s) =>
        applyOutcomes(
          s,
          [
            {
              id: optedOut.id,
              createdAt: iso,
              accountId: A,
              status: "failed",
              errorCode: "recipient_opted_out",
              errorMessage: "unsubscribed",
              optOut: true,
            },
            { id: invalid.id, createdAt: iso, accountId: A, status: "failed", errorCode: "21211", errorMessage: "bad" },
          ],
          later,
          ch,
        ),
      );
      const rows = await db.withSession((s) =>
        s.query<{ address: string; channel_scope: string; source: string; reason: string; channel_id: string }>(
          `SELECT address, channel_scope, source, reason, channel_id FROM contact_opt_outs
            WHERE account_id = $1 AND address IN ('+251911000777', '+251911000778')`,
          [A],
        ),
      );
      expect(rows.rows).toEqual([
        {
          address: "+251911000777",
          channel_scope: "sms",
          source: "provider",
          reason: "recipient_opted_out",
          channel_id: ch,
        },
      ]);
    });

    it("requeues messages a stopped dispatcher left in sending, with a requeued event, and leaves recent ones", async () => {
      const ch = await fresh();
      const stuck = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "sending",
        createdAt: t0,
        updatedAt: t0,
      });
      const busy = await insertMessage(db, {
        accountId: A,
        channelId: ch,
        status: "sending",
        createdAt: t0,
        updatedAt: later,
      });

      const requeued = await tx((s) => requeueStuckSending(s, later, 60_000));

      expect(requeued.filter((r) => r.channelId === ch)).toEqual([{ id: stuck.id, channelId: ch }]);
      expect(await messageRow(db, stuck.id)).toMatchObject({
        status: "queued",
        error_code: "dispatcher_crash_window",
        next_attempt_at: null,
      });
      expect(await messageRow(db, busy.id)).toMatchObject({ status: "sending" });
      expect(await eventsOf(db, stuck.id)).toEqual([
        expect.objectContaining({
          event_type: "requeued",
          from_status: "sending",
          to_status: "queued",
          event_data: { reason: "dispatcher_crash_window" },
        }),
      ]);
    });
  });

  describe("delivery receipts", () => {
    const change = (id: string, createdAt: Date, from: string, to: string): ReceiptChange => ({
      id,
      createdAt,
      from,
      to,
      deliveredAt: later,
      readAt: null,
      failedAt: null,
      errorCode: null,
      errorMessage: null,
      groupMessageId: null,
    });

    it("writes a change only over the status it was computed from, with the events of what it wrote", async () => {
      const m = await insertMessage(db, { accountId: A, channelId, status: "sent", createdAt: t0 });
      const raced = await insertMessage(db, { accountId: A, channelId, status: "read", createdAt: t0 });
      const event = (id: string) => ({
        messageId: id,
        messageCreatedAt: t0,
        accountId: A,
        from: "sent",
        to: "delivered",
        providerTimestamp: later,
        data: { status: "delivered" },
      });

      const written = await tx((s) =>
        applyReceiptChanges(
          s,
          [change(m.id, t0, "sent", "delivered"), change(raced.id, t0, "sent", "delivered")],
          [event(m.id), event(raced.id)],
          later,
        ),
      );

      expect([...written]).toEqual([m.id]);
      expect(await messageRow(db, m.id)).toMatchObject({ status: "delivered", delivered_at: later });
      expect(await messageRow(db, raced.id)).toMatchObject({ status: "read" });
      expect(await eventsOf(db, m.id)).toEqual([
        expect.objectContaining({
          event_type: "delivery_receipt",
          from_status: "sent",
          to_status: "delivered",
          provider_timestamp: later,
          event_data: { status: "delivered" },
        }),
      ]);
      expect(await eventsOf(db, raced.id)).toEqual([]);
    });

    it("finds a row whose created_at has microseconds from the millisecond Date it was read as", async () => {
      const m = await insertMessage(db, { accountId: A, channelId, status: "sent", createdAt: t0 });
      await db.withSession((s) =>
        s.query(`UPDATE messages SET created_at = created_at + interval '250 microseconds' WHERE id = $1`, [m.id]),
      );
      const { rows } = await db.withSession((s) =>
        s.query<{ exact: string }>(`SELECT created_at::text AS exact FROM messages WHERE id = $1`, [m.id]),
      );

      const written = await tx((s) =>
        applyReceiptChanges(
          s,
          [change(m.id, t0, "sent", "delivered")],
          [
            {
              messageId: m.id,
              messageCreatedAt: t0,
              accountId: A,
              from: "sent",
              to: "delivered",
              providerTimestamp: null,
              data: {},
            },
          ],
          later,
        ),
      );

      expect(written.has(m.id)).toBe(true);
      const { rows: ev } = await db.withSession((s) =>
        s.query<{ exact: string }>(
          `SELECT message_created_at::text AS exact FROM message_events WHERE message_id = $1`,
          [m.id],
        ),
      );
      expect(ev.map((e) => e.exact)).toEqual([rows[0]!.exact]);
    });
  });

  describe("cancels", () => {
    it("an API caller's change follows the lifecycle, records its event, and sees only its scope", async () => {
      const m = await insertMessage(db, {
        accountId: A,
        channelId,
        status: "queued",
        createdAt: t0,
        nextAttemptAt: t0,
      });

      await expect(
        tx((s) => changeRequestedStatus(s, { accountIds: [randomUUID()] }, m.id, { to: "cancelled" }, later)),
      ).resolves.toBeUndefined();
      const done = await tx((s) =>
        changeRequestedStatus(s, { accountIds: [A] }, m.id, { to: "cancelled", eventData: { by: "u1" } }, later),
      );

      expect(done).toMatchObject({
        from: "queued",
        row: { id: m.id, status: "cancelled", next_attempt_at: null, updated_at: later },
      });
      expect(await eventsOf(db, m.id)).toEqual([
        expect.objectContaining({
          event_type: "cancelled",
          from_status: "queued",
          to_status: "cancelled",
          event_data: { by: "u1" },
        }),
      ]);
      const refused = await tx((s) =>
        changeRequestedStatus(s, { accountIds: [A] }, m.id, { to: "queued" }, later),
      ).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ status: 409, code: "invalid_transition" });
      await expect(
        tx((s) => changeRequestedStatus(s, { accountIds: [] }, m.id, { to: "cancelled" }, later)),
      ).rejects.toThrow(/scope with no account/);
    });

    it("a campaign's cancel cancels its queued messages only, and records no events", async () => {
      const g = await insertCampaign(db, A, channelId, t0);
      const queued = await insertMessage(db, {
        accountId: A,
        channelId,
        status: "queued",
        createdAt: t0,
        groupMessageId: g,
        address: "+251911000201",
      });
      const sending = await insertMessage(db, {
        accountId: A,
        channelId,
        status: "sending",
        createdAt: t0,
        groupMessageId: g,
        address: "+251911000202",
      });
      const other = await insertMessage(db, { accountId: A, channelId, status: "queued", createdAt: t0 });

      expect(await db.withSession((s) => cancelQueuedCampaignMessages(s, g))).toBe(1);

      expect(await messageRow(db, queued.id)).toMatchObject({ status: "cancelled", error_code: "campaign_cancelled" });
      expect(await messageRow(db, sending.id)).toMatchObject({ status: "sending" });
      expect(await messageRow(db, other.id)).toMatchObject({ status: "queued" });
      expect(await eventsOf(db, queued.id)).toEqual([]);
    });
  });
});
