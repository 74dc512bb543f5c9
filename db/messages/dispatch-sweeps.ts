/**
 * What the dispatch sweeper (one SweeperActor reminder for the whole cluster) reads and repairs:
 * channels whose queued messages nobody picked up, messages a stopped dispatcher left in
 * `sending`, and the queue depth per channel type it reports as a gauge.
 */

import type { Database } from "../client.js";
import { requeueStuckSending } from "./status-writes.js";

/** Channels with due queued messages not touched for `idleMs`: their nudge may have been lost. */
export async function channelsWithStaleQueue(
  db: Database,
  now: Date,
  idleMs: number,
  limit = 1_000,
): Promise<string[]> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<{ channel_id: string }>(
      `SELECT DISTINCT channel_id FROM messages
          WHERE status = 'queued' AND direction = 'outbound' AND channel_id IS NOT NULL
            AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
            AND updated_at < $2
          LIMIT $3`,
      [now, new Date(now.getTime() - idleMs), limit],
    );
    return rows.map((r) => String(r.channel_id));
  });
}

/** Messages left in `sending` longer than `staleMs`, back to the queue with their events (status-writes.ts). */
export async function requeueAbandonedSends(
  db: Database,
  now: Date,
  staleMs: number,
): Promise<{ id: string; channelId: string }[]> {
  return db.transaction((s) => requeueStuckSending(s, now, staleMs));
}

/** Queued messages per channel type, for the queue-depth gauge. */
export async function queuedByChannelType(db: Database): Promise<[string, number][]> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<{ channel_type: string; n: string }>(
      `SELECT c.channel_type, count(*) AS n FROM messages m JOIN channels c ON c.id = m.channel_id
          WHERE m.status = 'queued' GROUP BY c.channel_type`,
    );
    return rows.map((r) => [String(r.channel_type), Number(r.n)]);
  });
}
