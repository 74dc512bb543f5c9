import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import type { Database } from "../../db/client.js";
import { openMigratedEmbedded } from "../../db/testkit/embedded.js";
import type { ChannelCache, WebhookChannel } from "./channel-cache.js";
import { WebhookDedup } from "./dedup.js";
import { WebhookIntake } from "./intake.js";
import { webhookRouter } from "./receiver.js";

/**
 * The durable intake (WEBHOOK_ACKNOWLEDGE=stored) on an in-memory PGlite with the migrations
 * applied: a 200 means the event is in webhook_intake, whatever the broker does; the relay
 * publishes each stored event and deletes it only once the publish went through.
 */
const SECRET = "unit-meta-app-secret";
const channel: WebhookChannel = {
  id: "2b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b",
  accountId: "3b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b",
  channelType: "whatsapp",
  provider: "default",
  enabled: true,
  senderName: null,
  credentials: {
    access_token: "unit-access-token",
    phone_number_id: "300000000000001",
    app_secret: SECRET,
    verify_token: "unit-verify-token",
  },
  webhookSecret: "s",
};

const receipt = (wamid: string) =>
  JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "1", phone_number_id: "300000000000001" },
              statuses: [{ id: wamid, status: "delivered", timestamp: "1700000000", recipient_id: "251911000001" }],
            },
          },
        ],
      },
    ],
  });

describe("durable webhook intake", () => {
  let db: Database;
  let server: ReturnType<express.Express["listen"]>;
  let intake: WebhookIntake;
  let brokerUp: boolean;
  let storeFails: boolean;
  const published: unknown[] = [];
  const log = createLogger("test");

  beforeAll(async () => {
    db = await openMigratedEmbedded();
  }, 60_000);
  afterAll(() => db.close());

  beforeEach(async () => {
    brokerUp = true;
    storeFails = false;
    published.length = 0;
    await db.withSession((s) => s.exec(`DELETE FROM webhook_intake; DELETE FROM webhook_dedup;`));
    const publisher: EventPublisher = {
      publish: async (_topic, data) => {
        if (!brokerUp) throw new Error("broker down");
        published.push(data);
      },
    };
    intake = new WebhookIntake(db, publisher, 86_400, log);
    const realStore = intake.store.bind(intake);
    intake.store = (e) => (storeFails ? Promise.reject(new Error("database down")) : realStore(e));
    const channels = {
      get: async (id: string) => (id === channel.id ? channel : undefined),
      isFresh: () => true,
      refreshIfStale: async () => undefined,
    } as unknown as ChannelCache;
    const app = express().use(
      "/webhooks",
      webhookRouter({ channels, dedup: new WebhookDedup(db, 86_400), publisher, intake, log }),
    );
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
  });
  afterEach(() => {
    intake.stop();
    server.close();
  });

  const post = (body: string) =>
    fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp/${channel.id}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
  const stored = () =>
    db
      .withSession((s) => s.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_intake`))
      .then((r) => r.rows[0]!.n);
  const relayDone = async () => {
    // The relay a store starts runs in the background: wait until it has emptied the table.
    for (let i = 0; i < 200 && (await stored()) > 0; i++) await new Promise((r) => setTimeout(r, 5));
  };

  it("answers 200 once the event is stored, with the broker down, and publishes it once the broker is back", async () => {
    brokerUp = false;
    const first = await post(receipt("wamid.INTAKE1"));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const replay = await post(receipt("wamid.INTAKE1"));
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await stored()).toBe(1);
    expect(published).toHaveLength(0);

    brokerUp = true;
    expect(await intake.relayAll()).toBe(1);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ channelId: channel.id, update: { providerMessageId: "wamid.INTAKE1" } });
    expect(await stored()).toBe(0);
  });

  it("publishes stored events right after the answer while the broker takes them", async () => {
    const answers = await Promise.all(["wamid.A", "wamid.B", "wamid.C"].map((id) => post(receipt(id))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await relayDone();
    expect(await stored()).toBe(0);
    expect(
      published.map((e) => (e as { update: { providerMessageId: string } }).update.providerMessageId).sort(),
    ).toEqual(["wamid.A", "wamid.B", "wamid.C"]);
  });

  it("publishes directly when the database does not take the events, and answers 503 if the broker refuses too", async () => {
    storeFails = true;
    const direct = await post(receipt("wamid.DIRECT"));
    expect(direct.status).toBe(200);
    expect(published).toHaveLength(1);
    brokerUp = false;
    const refused = await post(receipt("wamid.REFUSED"));
    expect(refused.status).toBe(503);
    expect(await stored()).toBe(0);
  });
});
