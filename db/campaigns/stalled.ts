/**
 * Campaigns the periodic sweep restarts: queued or processing, and neither the row nor its
 * fan-out checkpoint touched since `before` (a lost group_message.queued event, a broken actor
 * chain). At most 200 per sweep.
 */

import type { Database } from "../client.js";

export async function stalledCampaignIds(db: Database, before: Date): Promise<string[]> {
  return db.withSession(async (s) => {
    const c = await s.query<{ id: string }>(
      `SELECT g.id FROM group_messages g LEFT JOIN campaign_fanout f ON f.group_message_id = g.id
        WHERE g.status IN ('queued', 'processing') AND g.updated_at < $1 AND (f.updated_at IS NULL OR f.updated_at < $1)
        LIMIT 200`,
      [before],
    );
    return c.rows.map((r) => r.id);
  });
}
