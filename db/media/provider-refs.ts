/**
 * provider_media_refs: the provider's reference to a stored media object on one channel (a
 * WhatsApp media id, a Telegram file_id), read before a send and written after the provider
 * answered one. Only unexpired references are read; a newer one replaces the old.
 */

import { sql } from "drizzle-orm";
import type { Orm } from "../client.js";

export interface ProviderMediaRef {
  ref: string;
  expiresAt: Date;
}

const rowsOf = (r: unknown) => (r as { rows: Record<string, unknown>[] }).rows;

export async function findProviderMediaRef(
  orm: Orm,
  channelId: string,
  mediaId: string,
  now: Date,
): Promise<ProviderMediaRef | undefined> {
  const r = await orm.execute(
    sql`SELECT provider_ref, expires_at FROM provider_media_refs
        WHERE channel_id = ${channelId} AND media_id = ${mediaId} AND expires_at > ${now.toISOString()}`,
  );
  const row = rowsOf(r)[0];
  if (!row) return undefined;
  return { ref: String(row.provider_ref), expiresAt: new Date(row.expires_at as string | Date) };
}

/** Records (or replaces) the reference; a media row deleted meanwhile leaves nothing to record. */
export async function saveProviderMediaRef(
  orm: Orm,
  channelId: string,
  mediaId: string,
  ref: ProviderMediaRef,
): Promise<void> {
  await orm.execute(
    sql`INSERT INTO provider_media_refs (channel_id, media_id, provider_ref, expires_at)
        SELECT ${channelId}::uuid, ${mediaId}::uuid, ${ref.ref}, ${ref.expiresAt.toISOString()}::timestamptz
        WHERE EXISTS (SELECT 1 FROM media WHERE id = ${mediaId}::uuid)
        ON CONFLICT (channel_id, media_id)
        DO UPDATE SET provider_ref = EXCLUDED.provider_ref, expires_at = EXCLUDED.expires_at, created_at = now()`,
  );
}
