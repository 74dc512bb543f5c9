/**
 * The overview's figures as the stats endpoint answers them (zod, also the OpenAPI schema): rates
 * per second over the recent window, the queue per channel, and the share of recently settled
 * messages that were delivered or failed.
 */

import { z } from "zod";
import type { AccountStats } from "../../../db/stats/account-stats.js";

const rate = z.number().min(0).describe("Per second, averaged over window_seconds");

export const statsOut = z
  .object({
    generated_at: z.iso.datetime(),
    window_seconds: z.number().int().describe("The window the per-second rates are averaged over"),
    outcome_window_seconds: z.number().int().describe("The window delivery_rate and failure_rate are computed over"),
    throughput: z
      .array(
        z.object({
          channel_type: z.string(),
          sent_per_second: rate,
          delivered_per_second: rate,
          failed_per_second: rate,
        }),
      )
      .describe("Outbound messages by channel type"),
    backlog: z
      .array(
        z.object({
          channel_id: z.uuid(),
          name: z.string(),
          channel_type: z.string(),
          status: z.string(),
          queued: z.number().int(),
          sending: z.number().int(),
        }),
      )
      .describe("Messages waiting per channel, the largest queues first"),
    settled: z.number().int().describe("Outbound messages sent or failed within outcome_window_seconds"),
    delivery_rate: z.number().min(0).max(1).nullable().describe("Share of the settled messages now delivered or read"),
    failure_rate: z.number().min(0).max(1).nullable().describe("Share of the settled messages that failed"),
    webhook_intake: z.object({ inbound_per_second: rate, receipts_per_second: rate }),
    rate_limit_hits: z
      .number()
      .int()
      .describe("Requests of these accounts the API refused with 429 within window_seconds (this replica)"),
    capped: z.boolean().describe("A scan reached its row cap (API_STATS_MAX_ROWS): counts are lower bounds"),
  })
  .meta({ id: "Stats" });

export type StatsJson = z.infer<typeof statsOut>;

const perSecond = (n: number, seconds: number) => Math.round((n / seconds) * 100) / 100;
const share = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 10_000) / 10_000);

export function statsJson(
  s: AccountStats,
  o: { now: Date; rateSeconds: number; outcomeSeconds: number; rateLimitHits: number },
): StatsJson {
  const sum = (pick: (r: AccountStats["throughput"][number]) => number) =>
    s.throughput.reduce((n, r) => n + pick(r), 0);
  return {
    generated_at: o.now.toISOString(),
    window_seconds: o.rateSeconds,
    outcome_window_seconds: o.outcomeSeconds,
    throughput: s.throughput.map((r) => ({
      channel_type: r.channelType,
      sent_per_second: perSecond(r.sent, o.rateSeconds),
      delivered_per_second: perSecond(r.delivered, o.rateSeconds),
      failed_per_second: perSecond(r.failed, o.rateSeconds),
    })),
    backlog: s.backlog.map((b) => ({
      channel_id: b.channelId,
      name: b.name,
      channel_type: b.channelType,
      status: b.status,
      queued: b.queued,
      sending: b.sending,
    })),
    settled: s.outcomes.settled,
    delivery_rate: share(s.outcomes.delivered, s.outcomes.settled),
    failure_rate: share(s.outcomes.failed, s.outcomes.settled),
    webhook_intake: {
      inbound_per_second: perSecond(
        sum((r) => r.inbound),
        o.rateSeconds,
      ),
      receipts_per_second: perSecond(
        sum((r) => r.receipts),
        o.rateSeconds,
      ),
    },
    rate_limit_hits: o.rateLimitHits,
    capped: s.recentCapped || s.backlogCapped,
  };
}
