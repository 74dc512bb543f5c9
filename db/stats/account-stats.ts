/**
 * The live figures of an account's overview, aggregated in the database so a dashboard never pulls
 * rows: throughput by channel type over the last window, the queue (backlog) per channel, how the
 * messages that left the queue recently ended (delivered or failed), and what providers' webhooks
 * brought in (inbound messages and delivery receipts).
 *
 * Every scan is capped: the recent figures read at most `maxRows` of the account's newest
 * messages (newest first, along the (account_id, created_at) index) and the backlog at most
 * `maxRows` queued or sending messages (along the (account_id, status, created_at) index), so the
 * cost of one sample is bounded however large the account is; `capped` says a figure was cut.
 */

import type { Database } from "../client.js";

export interface StatsWindow {
  /** The throughput and intake window, in seconds (rates are counts divided by it). */
  rateSeconds: number;
  /** The window over which delivery and failure rates are computed, in seconds. */
  outcomeSeconds: number;
  /** Most message rows one figure may scan. */
  maxRows: number;
  /** Most channels listed in the backlog (the largest queues first). */
  maxChannels: number;
}

export interface ThroughputRow {
  channelType: string;
  sent: number;
  delivered: number;
  failed: number;
  inbound: number;
  receipts: number;
}

export interface BacklogRow {
  channelId: string;
  name: string;
  channelType: string;
  status: string;
  queued: number;
  sending: number;
}

export interface OutcomeCounts {
  /** Outbound messages that were sent or failed within the window. */
  settled: number;
  delivered: number;
  failed: number;
}

export interface AccountStats {
  throughput: ThroughputRow[];
  backlog: BacklogRow[];
  outcomes: OutcomeCounts;
  /** The recent scan reached maxRows (figures are lower bounds). */
  recentCapped: boolean;
  /** The backlog scan reached maxRows (queues are lower bounds). */
  backlogCapped: boolean;
}

const num = (v: unknown) => Number(v ?? 0);

export async function accountStats(
  db: Database,
  accountIds: readonly string[],
  now: Date,
  w: StatsWindow,
): Promise<AccountStats> {
  if (accountIds.length === 0) throw new Error("stats need at least one account");
  const rateSince = new Date(now.getTime() - w.rateSeconds * 1000);
  const outcomeSince = new Date(now.getTime() - w.outcomeSeconds * 1000);
  // Messages are created before they are sent, so the newest rows created within the longer window hold every recent change.
  const horizon = new Date(now.getTime() - Math.max(w.rateSeconds, w.outcomeSeconds) * 1000 - 86_400_000);
  return db.withSession(async (s) => {
    const recent = await s.query<Record<string, unknown>>(
      `WITH r AS (
         SELECT channel_type, direction, status, created_at, sent_at, delivered_at, read_at, failed_at
           FROM messages
          WHERE account_id = ANY($1::uuid[]) AND created_at >= $2
          ORDER BY created_at DESC
          LIMIT $5
       )
       SELECT coalesce(channel_type, 'unknown') AS channel_type,
              count(*) FILTER (WHERE direction = 'outbound' AND sent_at >= $3) AS sent,
              count(*) FILTER (WHERE direction = 'outbound' AND delivered_at >= $3) AS delivered,
              count(*) FILTER (WHERE direction = 'outbound' AND failed_at >= $3) AS failed,
              count(*) FILTER (WHERE direction = 'inbound' AND created_at >= $3) AS inbound,
              count(*) FILTER (WHERE direction = 'outbound' AND (delivered_at >= $3 OR read_at >= $3)) AS receipts,
              count(*) FILTER (WHERE direction = 'outbound' AND (sent_at >= $4 OR failed_at >= $4)) AS settled,
              count(*) FILTER (WHERE direction = 'outbound' AND (sent_at >= $4 OR failed_at >= $4)
                                 AND status IN ('delivered', 'read')) AS settled_delivered,
              count(*) FILTER (WHERE direction = 'outbound' AND (sent_at >= $4 OR failed_at >= $4)
                                 AND status = 'failed') AS settled_failed,
              count(*) AS scanned
         FROM r GROUP BY 1 ORDER BY 1`,
      [[...accountIds], horizon, rateSince, outcomeSince, w.maxRows],
    );
    const backlog = await s.query<Record<string, unknown>>(
      `WITH q AS (
         SELECT channel_id, status FROM messages
          WHERE account_id = ANY($1::uuid[]) AND status IN ('queued', 'sending')
          LIMIT $2
       ), b AS (
         SELECT channel_id, count(*) FILTER (WHERE status = 'queued') AS queued,
                count(*) FILTER (WHERE status = 'sending') AS sending, count(*) AS scanned
           FROM q GROUP BY channel_id
       )
       SELECT c.id, c.name, c.channel_type, c.status,
              coalesce(b.queued, 0) AS queued, coalesce(b.sending, 0) AS sending,
              (SELECT coalesce(sum(scanned), 0) FROM b) AS scanned
         FROM channels c LEFT JOIN b ON b.channel_id = c.id
        WHERE c.account_id = ANY($1::uuid[])
        ORDER BY coalesce(b.queued, 0) + coalesce(b.sending, 0) DESC, c.name
        LIMIT $3`,
      [[...accountIds], w.maxRows, w.maxChannels],
    );
    const scanned = recent.rows.reduce((n, r) => n + num(r.scanned), 0);
    return {
      throughput: recent.rows.map((r) => ({
        channelType: String(r.channel_type),
        sent: num(r.sent),
        delivered: num(r.delivered),
        failed: num(r.failed),
        inbound: num(r.inbound),
        receipts: num(r.receipts),
      })),
      backlog: backlog.rows.map((r) => ({
        channelId: String(r.id),
        name: String(r.name),
        channelType: String(r.channel_type),
        status: String(r.status),
        queued: num(r.queued),
        sending: num(r.sending),
      })),
      outcomes: {
        settled: recent.rows.reduce((n, r) => n + num(r.settled), 0),
        delivered: recent.rows.reduce((n, r) => n + num(r.settled_delivered), 0),
        failed: recent.rows.reduce((n, r) => n + num(r.settled_failed), 0),
      },
      recentCapped: scanned >= w.maxRows,
      backlogCapped: num(backlog.rows[0]?.scanned) >= w.maxRows,
    };
  });
}
