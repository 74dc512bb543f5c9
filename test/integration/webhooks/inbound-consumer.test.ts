import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundMessage, type InboundMessage } from "../../../core/messages/vocabulary.js";
import { createLogger } from "../../../core/logger.js";
import type { InboundEvent } from "../../../core/webhooks/events.js";
import type { Database } from "../../../db/client.js";
import { uuidv7 } from "../../../db/ids.js";
import { PermanentEventError } from "../../../services/runtime/pubsub-handler.js";
import { DispatchStore } from "../../../db/messages/dispatch-store.js";
import { createInboundConsumer } from "../../../services/inbound/consumer.js";
import { pgDriver, pgliteDriver } from "../db/drivers.js";

/**
 * The inbound consumer against both database drivers (PostgreSQL and the embedded PGlite): long
 * SMS parts joined once, SMPP MO (which carries no account) threaded and opted out, and the
 * dispatch claim failing messages to the opted-out number whatever its spelling.
 */
describe.each([pgDriver, pgliteDriver])("inbound consumer on $name", (driver) => {
  let db: Database;
  let close: () => Promise<void>;
  const log = createLogger("inbound-test", { level: "silent" });
  const accountId = randomUUID();

  beforeAll(async () => {
    ({ db, close } = await driver.open());
  }, 60_000);
  afterAll(async () => close?.());

  async function channel(type: string, provider = "default"): Promise<string> {
    const id = uuidv7();
    await db.withSession((s) =>
      s.query(
        `INSERT INTO channels (id, account_id, name, channel_type, provider, credentials_ciphertext, credentials_key_id, webhook_secret_ciphertext)
         VALUES ($1, $2, $3, $4, $5, 'x', 'k', 'x')`,
        [id, accountId, `ch-${id.slice(-8)}`, type, provider],
      ),
    );
    return id;
  }

  const event = (
    channelId: string,
    channelType: InboundEvent["channelType"],
    provider: string,
    message: InboundMessage,
    withAccount = true,
  ): InboundEvent => ({
    eventId: randomUUID(),
    channelId,
    channelType,
    provider,
    ...(withAccount ? { accountId } : {}),
    receivedAt: new Date().toISOString(),
    message,
  });

  const query = async <R>(text: string, params: unknown[]) =>
    db.withSession(async (s) => (await s.query<R>(text, params)).rows);

  it("joins a long SMS delivered as parts (out of order, one part twice) into one message, once", async () => {
    const consumer = createInboundConsumer({ db, log });
    const ch = await channel("sms", "vonage");
    const part = (n: number, text: string) =>
      event(
        ch,
        "sms",
        "vonage",
        inboundMessage({
          providerMessageId: `0B00000${n}`,
          from: "+447700900123",
          to: "447700900000",
          text,
          receivedAt: new Date(Date.UTC(2026, 10, 22, 10, 0, n)).toISOString(),
          metadata: { concat: { ref: "A1", total: 3, part: n } },
        }),
      );
    expect(await consumer.handle(part(3, "three."))).toBe("part");
    expect(await consumer.handle(part(1, "One, "))).toBe("part");
    expect(await consumer.handle(part(3, "three."))).toBe("part");
    expect(await consumer.handle(part(2, "two, "))).toBe("stored");
    // Every part delivered again, concurrently (one batch): the message is already there.
    expect(
      await Promise.all([part(1, "One, "), part(2, "two, "), part(3, "three.")].map((e) => consumer.handle(e))),
    ).toEqual(["duplicate", "part", "part"]);
    const rows = await query<{ message_body: string; provider_message_id: string; created_at: Date }>(
      `SELECT message_body, provider_message_id, created_at FROM messages WHERE channel_id = $1 AND direction = 'inbound'`,
      [ch],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ message_body: "One, two, three.", provider_message_id: "0B000001" });
    expect(new Date(rows[0]!.created_at).toISOString()).toBe("2026-11-22T10:00:01.000Z");
  });

  it("threads SMPP MO (no account on the event) and a STOP opts the number out for SMS; the dispatch claim fails sends to it", async () => {
    const consumer = createInboundConsumer({ db, log });
    const smpp = await channel("smpp");
    const sms = await channel("sms", "twilio");
    const mo = (text: string) =>
      event(
        smpp,
        "smpp",
        "smpp",
        inboundMessage({ providerMessageId: `mo-${randomUUID()}`, from: "251911000777", to: "8080", text }),
        false,
      );
    expect(await consumer.handle(mo("hello"))).toBe("stored");
    expect(await consumer.handle(mo(" stop "))).toBe("stored");
    const contacts = await query<{ id: string }>(
      `SELECT id FROM contacts WHERE account_id = $1 AND phone = '+251911000777'`,
      [accountId],
    );
    expect(contacts).toHaveLength(1);
    const convs = await query<{ id: string; contact_id: string }>(
      `SELECT id, contact_id FROM conversations WHERE channel_id = $1`,
      [smpp],
    );
    expect(convs).toEqual([{ id: expect.any(String), contact_id: contacts[0]!.id }]);
    const msgs = await query<{ conversation_id: string; account_id: string }>(
      `SELECT conversation_id, account_id FROM messages WHERE channel_id = $1 AND direction = 'inbound'`,
      [smpp],
    );
    expect(msgs).toHaveLength(2);
    expect(msgs.every((m) => m.conversation_id === convs[0]!.id && m.account_id === accountId)).toBe(true);
    expect(
      await query(`SELECT channel_scope, address, source, reason FROM contact_opt_outs WHERE account_id = $1`, [
        accountId,
      ]),
    ).toEqual([{ channel_scope: "sms", address: "+251911000777", source: "keyword", reason: "STOP" }]);

    // Queued sends on another SMS channel of the account: the one to the opted-out number (spelled without "+") fails at the claim.
    const now = new Date();
    const ids = [uuidv7(now), uuidv7(now)];
    await db.withSession((s) =>
      s.query(
        `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body)
         SELECT u.id, $2, $3, $4, 'sms', 'outbound', 'queued', u.address, 'hi' FROM unnest($1::uuid[], $5::text[]) AS u(id, address)`,
        [ids, now, accountId, sms, ["251911000777", "+251911000778"]],
      ),
    );
    const claimed = await new DispatchStore(db).claim(sms, 10, new Date());
    expect(claimed.map((c) => c.deliveryAddress)).toEqual(["+251911000778"]);
    const [blocked] = await query<{ status: string; error_code: string; attempts: number }>(
      `SELECT status, error_code, attempts FROM messages WHERE id = $1`,
      [ids[0]],
    );
    expect(blocked).toMatchObject({ status: "failed", error_code: "opted_out", attempts: 0 });

    // START in the same batch after a STOP leaves the number opted in.
    const later = (text: string, s: number) =>
      event(
        smpp,
        "smpp",
        "smpp",
        inboundMessage({
          providerMessageId: `mo-${randomUUID()}`,
          from: "+251911000777",
          to: "8080",
          text,
          receivedAt: new Date(Date.now() + s * 1000).toISOString(),
        }),
        false,
      );
    await Promise.all([consumer.handle(later("STOP", 1)), consumer.handle(later("start", 2))]);
    expect(await query(`SELECT 1 FROM contact_opt_outs WHERE account_id = $1`, [accountId])).toEqual([]);
  });

  it("records the provider's own opt-out signal (Twilio OptOutType on a custom keyword) with source provider", async () => {
    const consumer = createInboundConsumer({ db, log });
    const twilio = await channel("sms", "twilio");
    const from = "+251911000888";
    const stop = inboundMessage({
      providerMessageId: `SM${randomUUID().replaceAll("-", "")}`,
      from,
      to: "+15017122661",
      text: "Arret",
      metadata: { providerOptOut: "opt_out", optOutType: "STOP" },
    });
    await consumer.handle(event(twilio, "sms", "twilio", stop));
    expect(
      await query(`SELECT channel_scope, source, reason FROM contact_opt_outs WHERE account_id = $1 AND address = $2`, [
        accountId,
        from,
      ]),
    ).toEqual([{ channel_scope: "sms", source: "provider", reason: "ARRET" }]);
    // The same word without the provider's signal is just a message.
    const other = "+251911000889";
    await consumer.handle(
      event(
        twilio,
        "sms",
        "twilio",
        inboundMessage({ providerMessageId: `SM${randomUUID().replaceAll("-", "")}`, from: other, text: "Arret" }),
      ),
    );
    expect(
      await query(`SELECT 1 FROM contact_opt_outs WHERE account_id = $1 AND address = $2`, [accountId, other]),
    ).toEqual([]);
  });

  it("a WhatsApp message opens the customer-care window: stored per conversation, handed to the sender by the claim", async () => {
    const consumer = createInboundConsumer({ db, log });
    const wa = await channel("whatsapp");
    const otherChannel = await channel("whatsapp");
    const from = "+251911000555";
    const at = new Date(Date.now() - 3_600_000);
    const wrote = (receivedAt: Date) =>
      event(
        wa,
        "whatsapp",
        "default",
        inboundMessage({
          providerMessageId: `wamid.${randomUUID()}`,
          from,
          to: "15550001111",
          text: "hi",
          receivedAt: receivedAt.toISOString(),
        }),
      );
    expect(await consumer.handle(wrote(at))).toBe("stored");
    // A message that arrives late but was written earlier does not move the window back.
    expect(await consumer.handle(wrote(new Date(at.getTime() - 5 * 3_600_000)))).toBe("stored");
    const [conv] = await query<{ last_inbound_at: Date }>(
      `SELECT last_inbound_at FROM conversations WHERE channel_id = $1 AND participant_from = $2`,
      [wa, from],
    );
    expect(new Date(conv!.last_inbound_at).toISOString()).toBe(at.toISOString());

    // Queued sends: to the sender (spelled without "+") and to someone who never wrote; and to the
    // sender through another WhatsApp channel, where the window is not open.
    const now = new Date();
    const queue = async (channelId: string, addresses: string[]) =>
      db.withSession((s) =>
        s.query(
          `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body)
           SELECT u.id, $2, $3, $4, 'whatsapp', 'outbound', 'queued', u.address, 'hi' FROM unnest($1::uuid[], $5::text[]) AS u(id, address)`,
          [addresses.map(() => uuidv7(now)), now, accountId, channelId, addresses],
        ),
      );
    await queue(wa, ["251911000555", "+251911000556"]);
    await queue(otherChannel, [from]);
    const claimed = await new DispatchStore(db).claim(wa, 10, new Date());
    expect(Object.fromEntries(claimed.map((c) => [c.deliveryAddress, c.lastInboundAt]))).toEqual({
      "251911000555": at.toISOString(),
      "+251911000556": null,
    });
    expect((await new DispatchStore(db).claim(otherChannel, 10, new Date()))[0]?.lastInboundAt).toBeNull();
  });

  it("sends an event for an unknown channel to the dead letters", async () => {
    const consumer = createInboundConsumer({ db, log });
    await expect(
      consumer.handle(
        event(
          randomUUID(),
          "telegram",
          "default",
          inboundMessage({ providerMessageId: "1:1", from: "42", text: "hi" }),
        ),
      ),
    ).rejects.toBeInstanceOf(PermanentEventError);
  });
});
