/**
 * Records on a stored inbound message what became of its media references: the media id each was
 * fetched into, or the code of the reason it could not be. The message is found by its unique
 * inbound key (channel, provider id, received time, which is its created_at).
 */

import type { Database } from "../client.js";

/** Replaces `metadata.media` of one inbound message; false when no such message is stored. */
export async function recordInboundMedia(
  db: Database,
  key: { channelId: string; providerMessageId: string; receivedAt: Date },
  media: readonly Record<string, unknown>[],
): Promise<boolean> {
  const { rows } = await db.withSession((s) =>
    s.query<{ id: string }>(
      `UPDATE messages SET metadata = jsonb_set(coalesce(metadata, '{}'::jsonb), '{media}', $4::jsonb)
        WHERE direction = 'inbound' AND channel_id = $1 AND provider_message_id = $2 AND created_at = $3
        RETURNING id`,
      [key.channelId, key.providerMessageId, key.receivedAt, JSON.stringify(media)],
    ),
  );
  return rows.length > 0;
}
