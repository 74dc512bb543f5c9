/**
 * A channel as the dispatcher reads it: sending settings and the sealed credentials (opened by
 * the caller with the key ring), and the status the pipeline sets when a channel fails or drains.
 */

import type { CallbackEvent } from "../../core/callbacks/events.js";
import type { MediaFallback } from "../../core/media/link-fallback.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import type { Database } from "../client.js";

export interface DispatchChannelRow {
  id: string;
  accountId: string;
  channelType: string;
  provider: string;
  status: string;
  isEnabled: boolean;
  credentialsCiphertext: string;
  credentialsKeyId: string;
  rateLimit: number;
  burst: number | null;
  priority: number;
  retryConfig: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** What attachments become on a provider that sends no media. */
  mediaFallback: MediaFallback;
  updatedAt: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

export async function loadDispatchChannel(db: Database, channelId: string): Promise<DispatchChannelRow | undefined> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<Record<string, unknown>>(
      `SELECT id, account_id, channel_type, provider, status, is_enabled, credentials_ciphertext, credentials_key_id,
                rate_limit, burst, priority, retry_config, metadata, media_fallback, updated_at
           FROM channels WHERE id = $1`,
      [channelId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: String(r.id),
      accountId: String(r.account_id),
      channelType: String(r.channel_type),
      provider: String(r.provider),
      status: String(r.status),
      isEnabled: Boolean(r.is_enabled),
      credentialsCiphertext: String(r.credentials_ciphertext),
      credentialsKeyId: String(r.credentials_key_id),
      rateLimit: Number(r.rate_limit),
      burst: r.burst === null ? null : Number(r.burst),
      priority: Number(r.priority),
      retryConfig: (r.retry_config ?? {}) as Record<string, unknown>,
      metadata: (r.metadata ?? {}) as Record<string, unknown>,
      mediaFallback: r.media_fallback === "link" ? "link" : "refuse",
      updatedAt: iso(r.updated_at),
    };
  });
}

/** A channel an operator disabled stays disabled whatever the pipeline finds. */
/**
 * Sets the status the pipeline gives a channel (never over `disabled`). When that changed its
 * status, `callbackOf` builds the account's callback event (channel.status), staged in the same
 * transaction (db/callbacks/outbox.ts) and returned for publishing after the commit; a status set
 * again to what it was (a reason that changed, a repeated drain) is no change and emits nothing.
 */
export async function setChannelStatus(
  db: Database,
  channelId: string,
  status: string,
  reason: string | null,
  callbackOf?: (accountId: string) => CallbackEvent,
): Promise<readonly CallbackEvent[]> {
  return db.transaction(async (s) => {
    const { rows } = await s.query<{ account_id: string; before: string }>(
      `UPDATE channels c SET status = $2, status_reason = $3, updated_at = now()
         FROM (SELECT id, status AS before FROM channels WHERE id = $1 FOR UPDATE) b
        WHERE c.id = b.id AND c.status <> 'disabled'
       RETURNING c.account_id, b.before`,
      [channelId, status, reason],
    );
    const row = rows[0];
    const events = callbackOf && row && row.before !== status ? [callbackOf(String(row.account_id))] : [];
    await stageCallbacks(s, events);
    return events;
  });
}
