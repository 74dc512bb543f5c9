import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertChannel, insertMessage } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

describe("/v1/stats", () => {
  let api: EmbeddedApi;
  let channelId: string;
  let otherChannel: string;
  const other = randomUUID();

  /** An outbound message whose status and times are set as the pipeline would have left them. */
  async function message(accountId: string, channel: string, status: string, times: Record<string, Date | null> = {}) {
    const m = await insertMessage(api.db, {
      accountId,
      channelId: channel,
      status,
      createdAt: new Date(Date.now() - 120_000),
    });
    const cols = Object.keys(times);
    if (cols.length > 0)
      await api.db.withSession((s) =>
        s.query(`UPDATE messages SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(", ")} WHERE id = $1`, [
          m.id,
          ...cols.map((c) => times[c]),
        ]),
      );
  }

  beforeAll(async () => {
    api = await startEmbeddedApi({ API_STATS_INTERVAL_SECONDS: "1", API_SSE_MAX_LIFETIME_SECONDS: "3" });
    channelId = await insertChannel(api.db, api.accountId);
    otherChannel = await insertChannel(api.db, other);
    const recent = new Date(Date.now() - 10_000);
    const old = new Date(Date.now() - 600_000);
    for (let i = 0; i < 3; i++) await message(api.accountId, channelId, "queued");
    await message(api.accountId, channelId, "sending");
    for (let i = 0; i < 6; i++)
      await message(api.accountId, channelId, "delivered", { sent_at: recent, delivered_at: recent });
    for (let i = 0; i < 2; i++) await message(api.accountId, channelId, "sent", { sent_at: recent });
    await message(api.accountId, channelId, "failed", { failed_at: recent });
    // Settled ten minutes ago: counts in the delivery rate (quarter hour), not in the per-second rates (last minute).
    await message(api.accountId, channelId, "failed", { failed_at: old });
    // Another account's queue and sends are not the caller's.
    for (let i = 0; i < 5; i++) await message(other, otherChannel, "queued");
    await message(other, otherChannel, "sent", { sent_at: recent });
  }, 60_000);
  afterAll(async () => api.close());

  it("aggregates the caller's accounts only: rates, backlog per channel, delivery and failure rates", async () => {
    const res = await api.call("GET", "/v1/stats");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      window_seconds: 60,
      outcome_window_seconds: 900,
      throughput: [{ channel_type: "sms", sent_per_second: 0.13, delivered_per_second: 0.1, failed_per_second: 0.02 }],
      backlog: [{ channel_id: channelId, channel_type: "sms", queued: 3, sending: 1 }],
      settled: 10,
      delivery_rate: 0.6,
      failure_rate: 0.2,
      webhook_intake: { inbound_per_second: 0, receipts_per_second: 0.1 },
      rate_limit_hits: 0,
      capped: false,
    });
  });

  it("streams samples as `stats` events and closes at the maximum lifetime", async () => {
    const res = await fetch(`${api.url}/v1/stats/events`, { headers: { "x-api-key": api.apiKey } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    const events = text.split("\n\n").filter((e) => e.includes("event: stats"));
    // The figures did not change, so one event, not one per sample.
    expect(events).toHaveLength(1);
    const data = JSON.parse(
      events[0]!
        .split("\n")
        .find((l) => l.startsWith("data: "))!
        .slice(6),
    );
    expect(data).toMatchObject({ settled: 10, backlog: [{ queued: 3 }] });
  });

  it("says when a scan reached its cap", async () => {
    const capped = await startEmbeddedApi({ API_STATS_MAX_ROWS: "1000" });
    try {
      const channel = await insertChannel(capped.db, capped.accountId);
      await capped.db.withSession((s) =>
        s.query(
          `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body)
           SELECT gen_random_uuid(), now() - interval '1 minute', $1, $2, 'sms', 'outbound', 'queued', '+251911000001', 'x'
             FROM generate_series(1, 1001)`,
          [capped.accountId, channel],
        ),
      );
      const res = await capped.call("GET", "/v1/stats");
      expect(res.body).toMatchObject({ capped: true, backlog: [{ queued: 1000 }] });
    } finally {
      await capped.close();
    }
  });
});
