import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matrixChannels, whatsappTemplate, WHATSAPP_TEMPLATE } from "./channels.js";
import { startMatrixHarness, type MatrixHarness } from "./harness.js";
import { created, PATHS, settled, writeIn, type CellOutcome } from "./paths.js";

/**
 * Every channel type through every path, on the production set (RabbitMQ, PostgreSQL, real
 * sidecars) with the provider simulator: for each cell, what the provider received, the final
 * statuses (delivered where the provider sends receipts) and, for campaigns, counters equal to
 * the rows; then a WhatsApp contact inside and outside the customer-care window, with and without
 * a mapped template; then the metrics the cells moved. One stack for the file; the cells run at
 * once (their addresses are disjoint) and each test waits for its own.
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
    const final = ch.receipts ? "delivered" : "sent";
    expect(
      cell.rows.map((r) => [r.delivery_address, r.status, r.error_code]),
      "every message reaches its final status",
    ).toEqual(cell.rows.map((r) => [r.delivery_address, final, null]));
    for (const [address, expected] of cell.expected) {
      const got = await m.received(ch.simProvider, ch.simTo(address));
      expect(got, `what the provider received for ${address}`).toHaveLength(expected.length);
      got.forEach((r, i) => expect(r, `received #${i + 1} for ${address}`).toMatchObject(expected[i]!));
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

describe("a WhatsApp contact and the 24-hour customer-care window", () => {
  /** What reaches Meta: the text, the template's approved mapping, or nothing (refused before any call). */
  const cases = [
    { name: "inside, template without a mapping: the text", wroteIn: true, mapped: false, sends: "text" },
    { name: "inside, template with a mapping: still the text", wroteIn: true, mapped: true, sends: "text" },
    {
      name: "outside, template with a mapping: the approved template",
      wroteIn: false,
      mapped: true,
      sends: "template",
    },
    { name: "outside, template without a mapping: refused", wroteIn: false, mapped: false, sends: "nothing" },
  ] as const;

  it.each(cases.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const ch = m.channels.find((x) => x.label === "whatsapp")!;
    const cell = { m, ch, channelId: m.channelIds.get("whatsapp")!, slot: 200 + 10 * i };
    const address = ch.address(cell.slot);
    if (c.wroteIn) await writeIn(cell, address, `window hello ${cell.slot}`);
    const templateId = await created(
      m.api("POST", "/v1/templates", {
        account_id: m.H.accountId,
        name: `window ${i}`,
        body: "Selam {FIRST_NAME}, order {ORDER} is ready",
        ...(c.mapped
          ? { whatsapp: { ...WHATSAPP_TEMPLATE, components: [{ type: "body", parameters: ["FIRST_NAME", "ORDER"] }] } }
          : {}),
      }),
      "template",
    );
    const order = `W-${i}`;
    const id = await created(
      m.api("POST", "/v1/messages", {
        account_id: m.H.accountId,
        channel_id: cell.channelId,
        delivery_address: address,
        template_id: templateId,
        custom_values: { FIRST_NAME: "Tigist", ORDER: order },
      }),
      "message",
    );
    const [row] = await settled(m, ch, { ids: [id] }, 1);
    const got = await m.received("whatsapp", ch.simTo(address));
    if (c.sends === "nothing") {
      expect(row).toMatchObject({ status: "failed", error_code: "outside_care_window" });
      expect(got, "nothing reached Meta").toEqual([]);
      return;
    }
    expect(row).toMatchObject({ status: "delivered", error_code: null });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject(
      c.sends === "text"
        ? { type: "text", text: `Selam Tigist, order ${order} is ready`, template: null }
        : whatsappTemplate(["Tigist", order]),
    );
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
  it("moved for every channel type: attempts, turn time, failure rate, sweeps, fan-outs, receipts, inbound, webhooks", async () => {
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
      // The failure rate is derived from the counter, as a dashboard does; there is no rate gauge.
      const attempts = moved("dispatcher", "turumba_messages_dispatched_total", { channel_type: type });
      const failed =
        moved("dispatcher", "turumba_messages_dispatched_total", { channel_type: type, status: "failed" }) +
        moved("dispatcher", "turumba_messages_dispatched_total", { channel_type: type, status: "retry" });
      expect(failed / attempts, `failure rate of ${type}`).toBeGreaterThanOrEqual(0);
      expect(failed / attempts, `failure rate of ${type}`).toBeLessThanOrEqual(1);
    }
    expect(sample(after.dispatcher, "turumba_dispatch_failure_rate")).toBe(0);
    // The one sweeper of the cluster ran, and no default metric carries our prefix any more (the
    // scrape keeps turumba_* lines only; services/metrics.test.ts checks the standard names).
    expect(moved("dispatcher", "turumba_dispatch_sweeps_total")).toBeGreaterThan(0);
    expect([...after.dispatcher.keys()].filter((k) => k.startsWith("turumba_process_"))).toEqual([]);
    expect(moved("dispatcher", "turumba_group_message_fanout_duration_seconds_count")).toBe(m.channels.length);
    expect(moved("dispatcher", "turumba_receipts_total", { result: "applied" })).toBeGreaterThan(0);
    expect(moved("dispatcher", "turumba_inbound_messages_total", { kind: "stored" })).toBeGreaterThan(0);
    expect(moved("api", "turumba_webhook_requests_total", { outcome: "accepted" })).toBeGreaterThan(0);
    expect(moved("api", "turumba_webhook_response_seconds_count")).toBeGreaterThan(0);
  });
});
