import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import { createLogger } from "../../core/logger.js";
import { DeliveryStore } from "../../db/callbacks/delivery-store.js";
import { EndpointStore } from "../../db/callbacks/endpoint-store.js";
import type { Database } from "../../db/client.js";
import { DispatchStore } from "../../db/messages/dispatch-store.js";
import { SecretBox } from "../../db/secret-box.js";
import { insertChannel, insertMessage, openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { outcomeCallbacks } from "../dispatcher/outcome-callbacks.js";
import { createCallbackFanout } from "./fanout.js";
import { sweepCallbackOutbox } from "./outbox-sweep.js";

/**
 * A callback event must survive a publish that never happens after its change committed (the
 * process died, the broker refused): staged with the change, it reaches the endpoint through the
 * sweep, once by event id however often it also arrives by the broker.
 */
describe("callback outbox", () => {
  let db: Database;
  let endpoints: EndpointStore;
  let deliveries: DeliveryStore;
  const log = createLogger("test", { level: "silent" });
  const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);
  const now = new Date();

  beforeAll(async () => {
    db = await openMigratedEmbedded();
    endpoints = new EndpointStore(db, box);
    deliveries = new DeliveryStore(db);
  });
  afterAll(() => db.close());

  const fanout = () => {
    const nudged: string[] = [];
    const f = createCallbackFanout({ endpoints, deliveries, nudge: (id) => (nudged.push(id), Promise.resolve()) });
    return { handle: f.handle, nudged };
  };
  /** A message sent on a channel of the account, its outcome written with a publish that fails. */
  const sendWithLostPublish = async (account: string) => {
    const channel = await insertChannel(db, account);
    const m = await insertMessage(db, { accountId: account, channelId: channel, status: "sending", createdAt: now });
    const lost = { emit: () => Promise.reject(new Error("process killed before its publish")) };
    const store = new DispatchStore(db);
    await expect(
      store.applyOutcomes(
        [
          {
            id: m.id,
            createdAt: m.createdAt.toISOString(),
            accountId: account,
            status: "sent",
            providerMessageId: "p1",
          },
        ],
        now,
        channel,
        outcomeCallbacks(lost, channel, () => null),
      ),
    ).rejects.toThrow("process killed");
    return { messageId: m.id };
  };
  const outboxCount = async () =>
    Number(
      (await db.withSession((s) => s.query<{ n: unknown }>(`SELECT count(*) AS n FROM callback_outbox`))).rows[0]!.n,
    );

  it("delivers a status whose publish was lost after the commit, once by event id", async () => {
    const account = randomUUID();
    const { row: ep } = await endpoints.create(
      account,
      { url: "https://example.com/hook", description: null, eventTypes: ["message.status"] },
      now,
    );
    const { messageId } = await sendWithLostPublish(account);
    // The status change is committed; the endpoint has nothing yet.
    expect(await deliveries.list(ep.id, 10)).toHaveLength(0);

    const f = fanout();
    // A sweep before the event is stale leaves it to its publish.
    expect(await sweepCallbackOutbox({ db, fanout: f, log, staleMs: 60_000, now })).toBe(0);
    const later = new Date(now.getTime() + 120_000);
    expect(await sweepCallbackOutbox({ db, fanout: f, log, staleMs: 60_000, now: later })).toBe(1);
    const recorded = await deliveries.list(ep.id, 10);
    expect(recorded.map((d) => d.eventType)).toEqual(["message.status"]);
    expect(f.nudged).toEqual([ep.id]);
    expect(await outboxCount()).toBe(0);

    // The same event arriving again (a publish that was only slow, a second sweep): still one delivery.
    const event = JSON.parse((await deliveries.due(ep.id, later, 10))[0]!.body) as CallbackEvent & {
      data: { message_id: string };
    };
    expect(event.data.message_id).toBe(messageId);
    await f.handle([event]);
    expect(await sweepCallbackOutbox({ db, fanout: f, log, staleMs: 60_000, now: later })).toBe(0);
    expect((await deliveries.list(ep.id, 10)).map((d) => d.eventId)).toEqual([recorded[0]!.eventId]);
  });

  it("stages nothing for an account without an endpoint taking the type", async () => {
    const account = randomUUID();
    await endpoints.create(
      account,
      { url: "https://example.com/hook", description: null, eventTypes: ["message.received"] },
      now,
    );
    await sendWithLostPublish(account);
    await sendWithLostPublish(randomUUID());
    expect(await outboxCount()).toBe(0);
  });

  it("a published event leaves the outbox when the fan-out records it", async () => {
    const account = randomUUID();
    const { row: ep } = await endpoints.create(
      account,
      { url: "https://example.com/hook", description: null, eventTypes: ["message.status"] },
      now,
    );
    const channel = await insertChannel(db, account);
    const m = await insertMessage(db, { accountId: account, channelId: channel, status: "sending", createdAt: now });
    const f = fanout();
    const broker = { emit: (events: readonly CallbackEvent[]) => f.handle([...events]) };
    await new DispatchStore(db).applyOutcomes(
      [{ id: m.id, createdAt: m.createdAt.toISOString(), accountId: account, status: "sent", providerMessageId: "p2" }],
      now,
      channel,
      outcomeCallbacks(broker, channel, () => null),
    );
    expect(await deliveries.list(ep.id, 10)).toHaveLength(1);
    expect(await outboxCount()).toBe(0);
  });
});
