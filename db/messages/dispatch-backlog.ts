/**
 * The dispatch backlog: outbound messages a send turn could claim right now. The dispatch topics
 * only carry nudges, so their queues say little about the work waiting; this count does, and the
 * dispatcher's autoscaler runs this very statement (KEDA's PostgreSQL trigger, generated from it).
 */

import type { Database } from "../client.js";

/**
 * Queued, due and on a channel that may send: the rows `claimQueued` would take, without the
 * per-channel limit. A paused or disabled channel's messages wait for a person, not for more
 * dispatchers, so they are left out. Reads the partial index on queued rows (idx_messages_dispatch_due).
 */
export const DUE_BACKLOG_SQL = `SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id
 WHERE m.status = 'queued' AND m.direction = 'outbound'
   AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= now())
   AND c.is_enabled AND c.status NOT IN ('paused', 'disabled')`;

export async function dueBacklog(db: Database): Promise<number> {
  const { rows } = await db.withSession((s) => s.query<{ count: string | number }>(DUE_BACKLOG_SQL));
  return Number(rows[0]?.count ?? 0);
}
