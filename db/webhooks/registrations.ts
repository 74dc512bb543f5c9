/**
 * What the webhook registrar told each provider (channel_webhook_registrations), for providers
 * with an API to register webhooks: which channels are due, and the outcome of each attempt.
 */

import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Database } from "../client.js";

/** A channel whose webhook must be (re-)registered with its provider. */
export interface DueWebhookRegistration {
  id: string;
  credentials_ciphertext: string;
  credentials_key_id: string;
  webhook_secret_ciphertext: string;
  /** Covers the sealed credentials, the webhook secret and the URL: any change registers again. */
  fingerprint: string;
  /** Failed attempts so far, null when never tried. */
  attempts: number | null;
}

/**
 * Enabled channels of one channel type and provider that were never registered, whose
 * fingerprint changed, or whose failed registration is due for a retry; oldest first.
 */
export async function dueWebhookRegistrations(
  db: Database,
  q: { channelType: ChannelType; provider: string; urlPrefix: string; now: Date; limit: number },
): Promise<DueWebhookRegistration[]> {
  const { rows } = await db.withSession((s) =>
    s.query<DueWebhookRegistration>(
      `SELECT c.id, c.credentials_ciphertext, c.credentials_key_id, c.webhook_secret_ciphertext, d.fingerprint, r.attempts
         FROM channels c
         CROSS JOIN LATERAL (SELECT encode(sha256(convert_to(c.credentials_ciphertext || '|' || c.webhook_secret_ciphertext || '|' || $1 || c.id::text, 'UTF8')), 'hex') AS fingerprint) d
         LEFT JOIN channel_webhook_registrations r ON r.channel_id = c.id
        WHERE c.channel_type = $4 AND c.provider = $5 AND c.is_enabled AND c.status <> 'disabled'
          AND (r.channel_id IS NULL OR r.fingerprint <> d.fingerprint OR (r.status = 'failed' AND r.next_attempt_at <= $2))
        ORDER BY c.created_at
        LIMIT $3`,
      [q.urlPrefix, q.now, q.limit, q.channelType, q.provider],
    ),
  );
  return rows;
}

export interface WebhookRegistrationOutcome {
  status: "registered" | "failed";
  error: string | null;
  attempts: number;
  /** When a failed registration is retried. */
  next: Date | null;
}

export async function recordWebhookRegistration(
  db: Database,
  channelId: string,
  fingerprint: string,
  url: string,
  r: WebhookRegistrationOutcome,
  now: Date,
): Promise<void> {
  await db.withSession((s) =>
    s.query(
      `INSERT INTO channel_webhook_registrations (channel_id, fingerprint, url, status, last_error, attempts, next_attempt_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (channel_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, url = EXCLUDED.url, status = EXCLUDED.status,
         last_error = EXCLUDED.last_error, attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at`,
      [channelId, fingerprint, url, r.status, r.error, r.attempts, r.next, now],
    ),
  );
}
