import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Database } from "../../db/client.js";
import { channelCredentialsAad, channelWebhookSecretAad, type SecretBox } from "../../db/secret-box.js";

/**
 * The channels webhooks arrive for, with the secrets their signatures are checked against,
 * decrypted in memory only and kept briefly: a receiver answering thousands of webhooks a second
 * must not read and decrypt the channel row for each. Unknown ids are remembered for a few
 * seconds too, so a flood of forged URLs costs one query per id, and the map is bounded.
 */
export interface WebhookChannel {
  id: string;
  accountId: string;
  channelType: ChannelType;
  provider: string;
  /** Disabled channels (status or switch) take no webhooks: the receiver answers 404. */
  enabled: boolean;
  senderName: string | null;
  /** Credentials as the adapter's signature check reads them (see withWebhookSecret). */
  credentials: Record<string, unknown>;
  /** The secret we mint per channel and hand to providers that echo one (Telegram). */
  webhookSecret: string;
}

interface Entry {
  value: Promise<WebhookChannel | undefined>;
  loadedAt: number;
}

const MAX_ENTRIES = 10_000;
const MISSING_TTL_MS = 5_000;
/** A copy this young is not re-read after a failed signature: forged traffic cannot force reloads. */
const MIN_RELOAD_AGE_MS = 2_000;

/**
 * Telegram echoes the secret_token given to setWebhook. We register the channel's own minted
 * secret unless the credentials name one (a bot registered by hand), and check against the same.
 */
export function withWebhookSecret(channelType: string, credentials: Record<string, unknown>, webhookSecret: string): Record<string, unknown> {
  if (channelType === "telegram" && !credentials.webhook_secret) return { ...credentials, webhook_secret: webhookSecret };
  return credentials;
}

export class ChannelCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(channelId: string): Promise<WebhookChannel | undefined> {
    const hit = this.entries.get(channelId);
    if (hit) {
      const value = await hit.value;
      const ttl = value ? this.ttlMs : Math.min(this.ttlMs, MISSING_TTL_MS);
      if (this.now() - hit.loadedAt < ttl) return value;
    }
    return this.load(channelId);
  }

  /** After a signature failure: re-read the row once, unless the copy is fresh (credentials may have rotated). */
  async refreshIfStale(channelId: string): Promise<WebhookChannel | undefined> {
    const hit = this.entries.get(channelId);
    if (hit && this.now() - hit.loadedAt < MIN_RELOAD_AGE_MS) return undefined;
    return this.load(channelId);
  }

  private load(channelId: string): Promise<WebhookChannel | undefined> {
    const value = this.read(channelId);
    this.entries.delete(channelId);
    this.entries.set(channelId, { value, loadedAt: this.now() });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    // A failed read (database down) must not be remembered.
    value.catch(() => this.entries.delete(channelId));
    return value;
  }

  private async read(channelId: string): Promise<WebhookChannel | undefined> {
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `SELECT id, account_id, channel_type, provider, status, is_enabled, sender_name,
                credentials_ciphertext, credentials_key_id, webhook_secret_ciphertext
           FROM channels WHERE id = $1`,
        [channelId],
      ),
    );
    const r = rows[0];
    if (!r) return undefined;
    const keyId = String(r.credentials_key_id);
    const credentials = this.box.openJson<Record<string, unknown>>({ keyId, ciphertext: String(r.credentials_ciphertext) }, channelCredentialsAad(channelId));
    const webhookSecret = this.box.open({ keyId, ciphertext: String(r.webhook_secret_ciphertext) }, channelWebhookSecretAad(channelId));
    const channelType = String(r.channel_type) as ChannelType;
    return {
      id: channelId,
      accountId: String(r.account_id),
      channelType,
      provider: String(r.provider),
      enabled: Boolean(r.is_enabled) && r.status !== "disabled",
      senderName: (r.sender_name as string | null) ?? null,
      credentials: withWebhookSecret(channelType, credentials, webhookSecret),
      webhookSecret,
    };
  }
}
