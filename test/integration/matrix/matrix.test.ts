import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matrixChannels } from "./channels.js";
import { startMatrixHarness, type MatrixHarness } from "./harness.js";
import { PATHS, type CellOutcome } from "./paths.js";

/**
 * Every channel type through every path, on the production set (RabbitMQ, PostgreSQL, real
 * sidecars) with the provider simulator: for each cell, what the provider received, the final
 * statuses (delivered where the provider sends receipts) and, for campaigns, counters equal to
 * the rows. One stack for the file; the cells run at once (they use disjoint addresses) and each
 * test waits for its own, so the file takes about as long as its slowest cell after start-up.
 */
const BASE = 25_000;
const LABELS = matrixChannels({ smppPort: 0, smtpPort: 0 }).map((c) => c.label);

let m: MatrixHarness;
let metricsBefore: { api: Map<string, number>; dispatcher: Map<string, number> };
const cells = new Map<string, Promise<CellOutcome | { error: unknown }>>();
const key = (path: string, label: string) => `${path} | ${label}`;

beforeAll(async () => {
  const started = Date.now();
  m = await startMatrixHarness(BASE, matrixChannels);
  console.log(`matrix: stack and ${m.channels.length} channels up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  metricsBefore = { api: await m.scrape("api"), dispatcher: await m.scrape("dispatcher") };
  PATHS.forEach((path, p) =>
    m.channels.forEach((ch) => {
      const run = path.run({ m, ch, channelId: m.channelIds.get(ch.label)!, slot: 10 * p + 1 });
      cells.set(
        key(path.name, ch.label),
        run.catch((error: unknown) => ({ error })),
      );
    }),
  );
}, 240_000);

afterAll(async () => {
  await m?.stop();
});

async function outcome(path: string, label: string): Promise<CellOutcome> {
  const r = await cells.get(key(path, label))!;
  if ("error" in r) throw r.error;
  return r;
}

describe.each(PATHS)("$name", (path) => {
  it.each(LABELS)("%s", async (label) => {
    const ch = m.channels.find((c) => c.label === label)!;
    const cell = await outcome(path.name, label);
    const want = ch.receipts ? "delivered" : "sent";
    expect(
      cell.rows.map((r) => [r.delivery_address, r.status, r.error_code]),
      "every message reaches its final status",
    ).toEqual(cell.rows.map((r) => [r.delivery_address, want, null]));
    for (const [address, expected] of cell.expected) {
      const got = await m.received(ch.simProvider, ch.simTo(address));
      expect(got, `what the provider received for ${address}`).toHaveLength(expected.length);
      got.forEach((r, i) =>
        cell.inboundProviderId !== undefined
          ? ch.checkReply(r, expected[i]!, cell.inboundProviderId)
          : ch.check(r, expected[i]!),
      );
      const ids = cell.rows.filter((r) => r.delivery_address === address).map((r) => r.provider_message_id);
      expect(ids, "each row carries the id the provider answered").toEqual(got.map((r) => r.id));
    }
    if (cell.groupMessage) {
      expect(cell.groupMessage).toMatchObject({
        total_recipients: cell.rows.length,
        sent_count: cell.rows.length,
        delivered_count: ch.receipts ? cell.rows.length : 0,
        failed_count: 0,
        queued_count: 0,
        skipped_count: 0,
      });
    }
  });
});

/** Sum of the samples of `name` whose labels include every pair of `labels`. */
function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of samples) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

describe("metrics, scraped before and after the cells", () => {
  it("moved for every channel type: attempts, turn time, failure rate, fan-outs, receipts, inbound, webhooks", async () => {
    await Promise.all(cells.values());
    const after = { api: await m.scrape("api"), dispatcher: await m.scrape("dispatcher") };
    const moved = (app: "api" | "dispatcher", name: string, labels: Record<string, string> = {}) =>
      sample(after[app], name, labels) - sample(metricsBefore[app], name, labels);
    for (const type of [...new Set(m.channels.map((c) => String(c.body.channel_type)))]) {
      expect(
        moved("dispatcher", "turumba_messages_dispatched_total", { channel_type: type, status: "sent" }),
        type,
      ).toBeGreaterThan(0);
      expect(
        moved("dispatcher", "turumba_dispatch_duration_seconds_count", { channel_type: type }),
        type,
      ).toBeGreaterThan(0);
      const rate = [...after.dispatcher].find(([s]) => s === `turumba_dispatch_failure_rate{channel_type="${type}"}`);
      expect(rate?.[1], `failure rate of ${type}`).toBeGreaterThanOrEqual(0);
      expect(rate?.[1], `failure rate of ${type}`).toBeLessThanOrEqual(1);
    }
    expect(moved("dispatcher", "turumba_receipts_total", { result: "applied" })).toBeGreaterThan(0);
    expect(moved("api", "turumba_webhook_requests_total", { outcome: "accepted" })).toBeGreaterThan(0);
    expect(moved("api", "turumba_webhook_response_seconds_count")).toBeGreaterThan(0);
  });
});
