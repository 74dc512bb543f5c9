import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelStatusCallback, type CallbackEvent, type CallbackEventType } from "../../core/callbacks/events.js";
import { loadConfig } from "../../core/config.js";
import { createLogger } from "../../core/logger.js";
import { DeliveryStore } from "../../db/callbacks/delivery-store.js";
import { EndpointStore } from "../../db/callbacks/endpoint-store.js";
import type { Database } from "../../db/client.js";
import { SecretBox } from "../../db/secret-box.js";
import { DispatchStore } from "../../db/messages/dispatch-store.js";
import { insertCampaign, insertChannel, insertMessage, openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { startEmbeddedApi } from "../api/testkit/embedded-api.js";
import { createCampaignPorts } from "../campaign/wiring.js";
import { createCallbackFanout } from "./fanout.js";
import { sweepCallbackOutbox } from "./outbox-sweep.js";

/**
 * Campaign progress and completion (a cancel too) and channel status are staged in the callback
 * outbox with the change that causes them: a publish lost after the commit (the process died,
 * the broker refused) still reaches the endpoint through the sweep.
 */
describe("callback outbox: campaigns and channels", () => {
  let db: Database;
  let endpoints: EndpointStore;
  let deliveries: DeliveryStore;
  const log = createLogger("test", { level: "silent" });
  const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);
  const cfg = loadConfig({});
  const lost = { emit: () => Promise.reject(new Error("process killed before its publish")) };

  beforeAll(async () => {
    db = await openMigratedEmbedded();
    endpoints = new EndpointStore(db, box);
    deliveries = new DeliveryStore(db);
  });
  afterAll(() => db.close());

  const endpointFor = async (account: string, eventTypes: CallbackEventType[]) =>
    (await endpoints.create(account, { url: "https://example.com/hook", description: null, eventTypes }, new Date()))
      .row;
  /** What the sweep hands the fan-out once the staged events are stale; the endpoint's deliveries after it. */
  const sweepLater = async (endpointId: string) => {
    const f = createCallbackFanout({ endpoints, deliveries, nudge: () => Promise.resolve() });
    const later = new Date(Date.now() + 120_000);
    const swept = await sweepCallbackOutbox({ db, fanout: f, log, staleMs: 60_000, now: later });
    const { rows } = await db.withSession((s) =>
      s.query<{ body: string }>(
        `SELECT payload::text AS body FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id`,
        [endpointId],
      ),
    );
    return { swept, recorded: rows.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> }) };
  };
  const addDelta = (campaign: string, d: { queued?: number; sent?: number }) =>
    db.withSession((s) =>
      s.query(`INSERT INTO group_message_counter_deltas (group_message_id, queued, sent) VALUES ($1, $2, $3)`, [
        campaign,
        d.queued ?? 0,
        d.sent ?? 0,
      ]),
    );

  it("campaign progress and completion whose publish was lost reach the endpoint through the sweep", async () => {
    const account = randomUUID();
    const ep = await endpointFor(account, ["campaign.progress", "campaign.completed"]);
    const channel = await insertChannel(db, account);
    const campaign = await insertCampaign(db, account, channel, new Date());
    const ports = createCampaignPorts({
      cfg,
      db,
      log,
      publisher: { publish: async () => undefined },
      source: { name: "none", page: async () => ({ contacts: [], nextCursor: null }) },
      callbacks: lost,
    });
    await ports.startProcessing(campaign, new Date());
    await addDelta(campaign, { queued: 2 });
    await expect(ports.foldCounters(campaign)).rejects.toThrow("process killed");
    const progress = await sweepLater(ep.id);
    expect(progress.swept).toBe(1);
    expect(progress.recorded).toEqual([
      expect.objectContaining({
        type: "campaign.progress",
        data: expect.objectContaining({ group_message_id: campaign, status: "processing" }),
      }),
    ]);
    expect(progress.recorded[0]!.data.counters).toMatchObject({ queued: 2, sent: 0 });

    await addDelta(campaign, { queued: -2, sent: 2 });
    await expect(ports.foldCounters(campaign)).rejects.toThrow("process killed");
    await expect(ports.finish(campaign, "completed", new Date())).rejects.toThrow("process killed");
    const done = await sweepLater(ep.id);
    expect(done.swept).toBe(2);
    expect(done.recorded.map((e) => e.type)).toEqual(["campaign.progress", "campaign.progress", "campaign.completed"]);
    expect(done.recorded[2]!.data).toMatchObject({ status: "completed", counters: { queued: 0, sent: 2 } });
    // A second finish finds the campaign no longer processing: no second completion.
    await ports.finish(campaign, "failed", new Date());
    expect((await sweepLater(ep.id)).swept).toBe(0);
  });

  it("a channel status set by the dispatcher whose publish was lost reaches the endpoint through the sweep, once per change", async () => {
    const account = randomUUID();
    const ep = await endpointFor(account, ["channel.status"]);
    const channel = await insertChannel(db, account);
    const store = new DispatchStore(db);
    const callback = (accountId: string) => channelStatusCallback(accountId, channel, "paused", new Date());
    await store.setChannelStatus(channel, "paused", "drained", callback);
    // Set again to what it already is: no change, nothing staged.
    expect(await store.setChannelStatus(channel, "paused", "drained", callback)).toEqual([]);
    const swept = await sweepLater(ep.id);
    expect(swept.swept).toBe(1);
    expect(swept.recorded).toEqual([
      expect.objectContaining({ type: "channel.status", data: { channel_id: channel, status: "paused" } }),
    ]);
  });

  it("a channel status changed through PATCH is staged with the change and published after it", async () => {
    const api = await startEmbeddedApi();
    try {
      await new EndpointStore(api.db, box).create(
        api.accountId,
        { url: "https://example.com/hook", description: null, eventTypes: ["channel.status"] },
        new Date(),
      );
      const channel = await insertChannel(api.db, api.accountId);
      const staged = async () =>
        (
          await api.db.withSession((s) =>
            s.query<{ payload: CallbackEvent }>(`SELECT payload FROM callback_outbox WHERE account_id = $1`, [
              api.accountId,
            ]),
          )
        ).rows.map((r) => r.payload);
      const published = () =>
        api.published
          .filter((p) => p.topic === "callback.event")
          .flatMap((p) => (p.data as { events: CallbackEvent[] }).events);
      expect((await api.call("PATCH", `/v1/channels/${channel}`, { body: { status: "paused" } })).status).toBe(200);
      const [event] = await staged();
      expect(event).toMatchObject({ type: "channel.status", data: { channel_id: channel, status: "paused" } });
      expect(published().map((e) => e.id)).toEqual([event!.id]);
      // A PATCH that leaves the status as it was stages and publishes nothing.
      expect(
        (await api.call("PATCH", `/v1/channels/${channel}`, { body: { status: "paused", name: "x" } })).status,
      ).toBe(200);
      expect(await staged()).toHaveLength(1);
      expect(published()).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it("a campaign cancelled through PATCH sends campaign.completed with its cancelled counters, staged", async () => {
    const api = await startEmbeddedApi();
    try {
      await new EndpointStore(api.db, box).create(
        api.accountId,
        { url: "https://example.com/hook", description: null, eventTypes: ["campaign.completed"] },
        new Date(),
      );
      const channel = await insertChannel(api.db, api.accountId);
      const campaign = await insertCampaign(api.db, api.accountId, channel, new Date());
      await insertMessage(api.db, {
        accountId: api.accountId,
        channelId: channel,
        status: "queued",
        createdAt: new Date(),
        groupMessageId: campaign,
      });
      // The fan-out counts the message it inserts as queued.
      await api.db.withSession((s) =>
        s.query(`INSERT INTO group_message_counter_deltas (group_message_id, queued) VALUES ($1, 1)`, [campaign]),
      );
      const cancelled = await api.call("PATCH", `/v1/group-messages/${campaign}`, { body: { status: "cancelled" } });
      expect(cancelled.status).toBe(200);
      const { rows } = await api.db.withSession((s) =>
        s.query<{ payload: CallbackEvent }>(`SELECT payload FROM callback_outbox WHERE account_id = $1`, [
          api.accountId,
        ]),
      );
      expect(rows.map((r) => r.payload)).toEqual([
        expect.objectContaining({
          type: "campaign.completed",
          data: expect.objectContaining({
            group_message_id: campaign,
            status: "cancelled",
            counters: expect.objectContaining({ cancelled: 1, queued: 0 }),
          }),
        }),
      ]);
      const published = api.published
        .filter((p) => p.topic === "callback.event")
        .flatMap((p) => (p.data as { events: CallbackEvent[] }).events);
      expect(published.map((e) => e.id)).toEqual([rows[0]!.payload.id]);
    } finally {
      await api.close();
    }
  });
});
