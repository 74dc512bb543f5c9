/**
 * The channel row a webhook receiver reads, still sealed: the caller opens the credentials and the
 * webhook secret with the key ring and keeps them in memory only.
 */

import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Database } from "../client.js";

/** A channel as the webhook receivers need it, its secrets still sealed. */
export interface SealedWebhookChannel {
  id: string;
  accountId: string;
  channelType: ChannelType;
  provider: string;
  status: string;
  isEnabled: boolean;
  senderName: string | null;
  credentialsKeyId: string;
  credentialsCiphertext: string;
  webhookSecretCiphertext: string;
}

export async function readWebhookChannel(db: Database, channelId: string): Promise<SealedWebhookChannel | undefined> {
  const { rows } = await db.withSession((s) =>
    s.query<Record<string, unknown>>(
      `SELECT id, account_id, channel_type, provider, status, is_enabled, sender_name,
                credentials_ciphertext, credentials_key_id, webhook_secret_ciphertext
           FROM channels WHERE id = $1`,
      [channelId],
    ),
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: channelId,
    accountId: String(r.account_id),
    channelType: String(r.channel_type) as ChannelType,
    provider: String(r.provider),
    status: String(r.status),
    isEnabled: Boolean(r.is_enabled),
    senderName: (r.sender_name as string | null) ?? null,
    credentialsKeyId: String(r.credentials_key_id),
    credentialsCiphertext: String(r.credentials_ciphertext),
    webhookSecretCiphertext: String(r.webhook_secret_ciphertext),
  };
}
