/**
 * What pause, resume and cancel do to a campaign's messages, called by the API right after it
 * changed the group message's status (the status change takes the row lock that an inserting
 * fan-out page holds in share mode, so every page is either before it and affected here, or
 * after it and refused by the status check).
 *
 * A message a channel actor already claimed (sending) is in the provider's hands and goes on;
 * everything still queued is affected.
 */

import type { CampaignState } from "../../core/callbacks/campaign-callbacks.js";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import type { Database } from "../client.js";
import { cancelQueuedCampaignMessages } from "../messages/status-writes.js";
import { campaignState, foldCounters } from "./counter-fold.js";

/**
 * Cancel: every queued message of the campaign becomes cancelled (status-writes.ts) and the
 * counters are folded. `callbacksOf` turns the cancelled campaign, with those counters, into
 * callback events (campaign.completed: cancelled is a final status), staged in the transaction
 * that reads them (db/callbacks/outbox.ts) and returned for publishing.
 */
export async function cancelCampaignMessages(
  db: Database,
  groupMessageId: string,
  callbacksOf?: (cancelled: CampaignState) => readonly CallbackEvent[],
): Promise<{ cancelled: number; callbacks: readonly CallbackEvent[] }> {
  const cancelled = await db.withSession((s) => cancelQueuedCampaignMessages(s, groupMessageId));
  await foldCounters(db, [groupMessageId]);
  if (!callbacksOf) return { cancelled, callbacks: [] };
  const callbacks = await db.transaction(async (s) => {
    const { rows } = await s.query<Record<string, unknown>>(
      `SELECT * FROM group_messages WHERE id = $1 AND status = 'cancelled'`,
      [groupMessageId],
    );
    const events = rows[0] ? callbacksOf(campaignState(rows[0])) : [];
    await stageCallbacks(s, events);
    return events;
  });
  return { cancelled, callbacks };
}

/**
 * Pause: the campaign's queued messages are detached from their channel (channel_id NULL), so
 * no channel actor can claim them and the sweeps ignore them; the fan-out stops at its next page.
 * Returns how many were held back.
 */
export async function pauseCampaignMessages(db: Database, groupMessageId: string): Promise<number> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<{ n: number }>(
      `WITH p AS (UPDATE messages SET channel_id = NULL, updated_at = now()
                   WHERE group_message_id = $1 AND status = 'queued' AND channel_id IS NOT NULL RETURNING 1)
       SELECT count(*)::int AS n FROM p`,
      [groupMessageId],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** Resume: held messages go back to the campaign's channel. Returns how many. */
export async function resumeCampaignMessages(db: Database, groupMessageId: string): Promise<number> {
  return db.transaction(async (s) => {
    const { rows } = await s.query<{ n: number }>(
      `WITH r AS (UPDATE messages m SET channel_id = g.channel_id, updated_at = now()
                    FROM group_messages g
                   WHERE g.id = $1 AND m.group_message_id = $1 AND m.status = 'queued' AND m.channel_id IS NULL RETURNING 1)
       SELECT count(*)::int AS n FROM r`,
      [groupMessageId],
    );
    return Number(rows[0]?.n ?? 0);
  });
}
