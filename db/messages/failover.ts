/**
 * Provider failover: when a channel's circuit opens, its queued messages that allow it move to
 * the next active, enabled channel of the same type and account, by priority, and each message
 * records the move in messages.failover. Messages that named their channel explicitly (no
 * allow_failover) stay. The status does not change: they are still queued, on another channel.
 */

import type { Database } from "../client.js";

export async function failoverQueued(
  db: Database,
  channelId: string,
  errorCode: string,
  now: Date,
  limit = 5_000,
): Promise<{ toChannelId: string; moved: number } | undefined> {
  return db.withSession(async (s) => {
    const target = await s.query<{ id: string }>(
      `SELECT t.id FROM channels c JOIN channels t
            ON t.account_id = c.account_id AND t.channel_type = c.channel_type AND t.id <> c.id
         WHERE c.id = $1 AND t.is_enabled AND t.status = 'active'
         ORDER BY t.priority DESC, t.created_at LIMIT 1`,
      [channelId],
    );
    const to = target.rows[0]?.id;
    if (!to) return undefined;
    const moved = await s.query(
      `WITH picked AS (
           SELECT id, created_at FROM messages
            WHERE channel_id = $1 AND status = 'queued' AND (metadata->>'allow_failover') = 'true'
            LIMIT $5)
         UPDATE messages m SET channel_id = $2, updated_at = $3, next_attempt_at = NULL,
                failover = COALESCE(m.failover, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('channel_id', $1::text, 'error_code', $4::text, 'at', $3::timestamptz))
           FROM picked WHERE m.id = picked.id AND m.created_at = picked.created_at AND m.status = 'queued'
         RETURNING m.id`,
      [channelId, to, now, errorCode, limit],
    );
    return { toChannelId: String(to), moved: moved.rows.length };
  });
}
