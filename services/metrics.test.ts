import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterRegistry } from "../adapters/registry.js";
import type { PagePlan } from "../core/campaign/page-plan.js";
import { loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import type { Database } from "../db/client.js";
import { SecretBox } from "../db/secret-box.js";
import { insertCampaign, insertChannel, insertMessage, openMigratedEmbedded } from "../db/testkit/embedded.js";
import { createCampaignPorts } from "./campaign/wiring.js";
import { sweep } from "./dispatcher/sweeper.js";
import { createDispatchPorts } from "./dispatcher/wiring.js";
import { recordSweep, registry } from "./metrics.js";

/**
 * Every metric the README and the operations guide list is declared, and moves when the code
 * that records it runs: the dispatch ports the channel actors report through, the sweeper, and
 * the campaign fan-out, each on an embedded database. The channel turn's calls to those ports are
 * checked in actors/channel/channel-dispatcher.test.ts; the webhook receiver's metrics in
 * services/webhooks/receiver.test.ts.
 */
const log = createLogger("metrics-test", { level: "silent" });
const cfg = loadConfig({});
const A = randomUUID();

/** Sum of a metric's samples whose labels include `labels`; `<histogram>_count` and `_sum` read those samples. */
async function total(name: string, labels: Record<string, string> = {}): Promise<number> {
  const histogram = registry.getSingleMetric(name) ? undefined : name.replace(/_(count|sum)$/, "");
  const metric = registry.getSingleMetric(histogram ?? name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((v) => !histogram || (v as { metricName?: string }).metricName === name)
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((n, v) => n + v.value, 0);
}

/** An actor invoker that only notes which actors were called. */
function actorCalls(ids: string[] = []) {
  return {
    ids,
    invoke: async <T>(_type: string, id: string): Promise<T> => {
      ids.push(id);
      return {} as T;
    },
  };
}

function documented(file: string): string[] {
  return [...new Set(readFileSync(new URL(file, import.meta.url), "utf8").match(/turumba_[a-z_]+[a-z]/g) ?? [])];
}

describe("metrics", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openMigratedEmbedded();
  }, 60_000);
  afterAll(() => db?.close());

  it("declares every metric the README and the operations guide list", () => {
    const listed = [...documented("../README.md"), ...documented("../docs/operations.md")];
    expect(listed).toEqual(
      expect.arrayContaining(["turumba_dispatch_sweeps_total", "turumba_group_message_fanout_duration_seconds"]),
    );
    for (const name of listed) expect(registry.getSingleMetric(name), name).toBeDefined();
  });

  it("follows Prometheus naming: counters _total, durations _seconds, no _count gauge, no rate gauge, standard process metrics", async () => {
    const metrics = await registry.getMetricsAsJSON();
    const ours = metrics.filter((m) => m.name.startsWith("turumba_"));
    for (const m of ours) {
      const type = String(m.type);
      if (type === "counter") expect(m.name, m.name).toMatch(/_total$/);
      if (type === "histogram" && /duration|lag|response|time/.test(m.name))
        expect(m.name, m.name).toMatch(/_seconds$/);
      if (type === "gauge") expect(m.name, m.name).not.toMatch(/_(count|total|rate|ratio)$/);
    }
    const names = metrics.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["process_cpu_seconds_total", "nodejs_heap_size_used_bytes"]));
    expect(names.filter((n) => n.startsWith("turumba_process_") || n.startsWith("turumba_nodejs_"))).toEqual([]);
  });

  it("dispatch ports: sends by outcome (the failure rate derives from them), turn time, rate-limit hits", async () => {
    const ports = createDispatchPorts({
      cfg,
      db,
      box: SecretBox.fromKeyRing(`t1:${Buffer.alloc(32, 1).toString("base64")}`),
      adapters: createAdapterRegistry(),
      actors: actorCalls(),
      log,
    });
    const type = "messenger";
    const before = {
      sent: await total("turumba_messages_dispatched_total", { channel_type: type, status: "sent" }),
      turns: await total("turumba_dispatch_duration_seconds_count", { channel_type: type }),
      hits: await total("turumba_rate_limit_hits_total", { channel_id: "ch-metrics" }),
      retry: await total("turumba_messages_dispatched_total", { channel_type: type, status: "retry" }),
    };

    ports.metrics.dispatched(type, "sent", 3);
    ports.metrics.dispatched(type, "retry", 1);
    ports.metrics.dispatchSeconds(type, 0.2);
    ports.metrics.rateLimited("ch-metrics");

    expect(await total("turumba_messages_dispatched_total", { channel_type: type, status: "sent" })).toBe(
      before.sent + 3,
    );
    expect(await total("turumba_messages_dispatched_total", { channel_type: type, status: "retry" })).toBe(
      before.retry + 1,
    );
    expect(await total("turumba_dispatch_duration_seconds_count", { channel_type: type })).toBe(before.turns + 1);
    expect(await total("turumba_rate_limit_hits_total", { channel_id: "ch-metrics" })).toBe(before.hits + 1);
  });

  it("sweeper: queue depth, nudged channels whose dispatch event was lost, the crash window", async () => {
    const channelId = await insertChannel(db, A, { channelType: "sms", provider: "twilio" });
    const now = Date.now();
    const old = new Date(now - 600_000);
    await insertMessage(db, { accountId: A, channelId, status: "queued", createdAt: old, updatedAt: old });
    await insertMessage(db, { accountId: A, channelId, status: "sending", createdAt: old, updatedAt: old });
    const crashBefore = await total("turumba_dispatch_crash_window_total");
    const sweepsBefore = await total("turumba_dispatch_sweeps_total");
    const actors = actorCalls();

    const r = await sweep({
      db,
      actors,
      log,
      intervalMs: 60_000,
      staleQueuedMs: 60_000,
      stuckSendingMs: 60_000,
    });

    expect(r).toEqual({ requeued: 1, nudged: 1 });
    expect(actors.ids).toEqual([channelId]);
    expect(await total("turumba_dispatch_sweeps_total")).toBe(sweepsBefore + 1);
    expect(await total("turumba_dispatch_crash_window_total")).toBe(crashBefore + 1);
    expect(await total("turumba_outbox_pending")).toBe(1);
    // Both rows are queued now: the requeued one joined the one whose nudge was lost.
    expect(await total("turumba_dispatch_queue_depth", { channel_type: "sms" })).toBe(2);
  });

  it("exports the database-wide gauges only from the replica that swept recently", async () => {
    const depth = async () => (await registry.getSingleMetric("turumba_dispatch_queue_depth")!.get()).values.length;
    recordSweep(Date.now(), 5_000);
    expect(await depth()).toBeGreaterThan(0);
    // The sweeper actor moved to another replica three periods ago: this one stops reporting.
    recordSweep(Date.now() - 16_000, 5_000);
    expect(await depth()).toBe(0);
    // A gauge without labels cannot be absent: it reads 0, so a sum over replicas stays right.
    expect(await total("turumba_outbox_pending")).toBe(0);
  });

  it("campaign fan-out: observed once, when the page that completes it is inserted", async () => {
    const channelId = await insertChannel(db, A, { channelType: "sms", provider: "twilio" });
    const id = await insertCampaign(db, A, channelId, new Date());
    const ports = createCampaignPorts({
      cfg,
      db,
      log,
      publisher: { publish: async () => undefined },
      source: { name: "none", page: async () => ({ contacts: [], nextCursor: null }) },
    });
    const started = new Date();
    await ports.startProcessing(id, started);
    const plan = (address: string): PagePlan => ({
      rows: [
        {
          contactId: `c-${address}`,
          address,
          body: "hello",
          options: {},
          status: "queued",
          errorCode: null,
          errorMessage: null,
        },
      ],
      skipped: {},
    });
    const count = () => total("turumba_group_message_fanout_duration_seconds_count");
    const before = await count();

    const c = (await ports.load(id))!;
    const first = await ports.insertPage(
      c,
      { cursor: null, nextCursor: "p2", contacts: 1, plan: plan("+251911000001") },
      new Date(started.getTime() + 1_000),
    );
    expect(first.ok).toBe(true);
    expect(await count()).toBe(before);

    const last = await ports.insertPage(
      (await ports.load(id))!,
      { cursor: "p2", nextCursor: null, contacts: 1, plan: plan("+251911000002") },
      new Date(started.getTime() + 2_500),
    );
    expect(last.ok).toBe(true);
    expect(await count()).toBe(before + 1);
    expect(await total("turumba_group_message_fanout_duration_seconds_sum")).toBeGreaterThanOrEqual(2.5);

    // A replay of the last page (another turn got there first) is refused and not observed again.
    const replay = await ports.insertPage(
      c,
      { cursor: "p2", nextCursor: null, contacts: 1, plan: plan("+251911000002") },
      new Date(started.getTime() + 3_000),
    );
    expect(replay.ok).toBe(false);
    expect(await count()).toBe(before + 1);
  });
});
