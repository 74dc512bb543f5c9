/**
 * The channels webhooks arrive for, with the secrets their signatures are checked against,
 * decrypted in memory only and kept briefly: a receiver answering thousands of webhooks a second
 * must not read and decrypt the channel row for each. Unknown ids are remembered for a few
 * seconds too, so a flood of forged URLs costs one query per id, and the map is bounded.
 */

import { webhookCredentials } from "../../adapters/registry.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import { readWebhookChannel } from "../../db/channels/webhook-channel.js";
import type { Database } from "../../db/client.js";
import { channelCredentialsAad, channelWebhookSecretAad, type SecretBox } from "../../db/secret-box.js";

export interface WebhookChannel {
  id: string;
  accountId: string;
  channelType: ChannelType;
  provider: string;
  /** Disabled channels (status or switch) take no webhooks: the receiver answers 404. */
  enabled: boolean;
  senderName: string | null;
  /** Credentials as the adapter's signature check reads them (the registry's webhookCredentials). */
  credentials: Record<string, unknown>;
  /** The secret we mint per channel and hand to providers that echo one (Telegram). */
  webhookSecret: string;
}

interface Entry {
  value: Promise<WebhookChannel | undefined>;
  loadedAt: number;
  /** Set once the read is done: whether the channel exists. */
  found?: boolean;
}

const MAX_ENTRIES = 10_000;
const MISSING_TTL_MS = 5_000;
/** A copy this young is not re-read after a failed signature: forged traffic cannot force reloads. */
const MIN_RELOAD_AGE_MS = 2_000;

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

  /** Whether a lookup would be answered from memory (a known channel or a remembered unknown id). */
  isFresh(channelId: string): boolean {
    const hit = this.entries.get(channelId);
    if (!hit) return false;
    // A read in flight is shared by every request for the id: no second query.
    if (hit.found === undefined) return true;
    return this.now() - hit.loadedAt < (hit.found ? this.ttlMs : Math.min(this.ttlMs, MISSING_TTL_MS));
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
    const entry: Entry = { value, loadedAt: this.now() };
    this.entries.set(channelId, entry);
    value.then(
      (v) => (entry.found = v !== undefined),
      () => undefined,
    );
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    // A failed read (database down) must not be remembered.
    value.catch(() => this.entries.delete(channelId));
    return value;
  }

  private async read(channelId: string): Promise<WebhookChannel | undefined> {
    const row = await readWebhookChannel(this.db, channelId);
    if (!row) return undefined;
    const keyId = row.credentialsKeyId;
    const credentials = this.box.openJson<Record<string, unknown>>(
      { keyId, ciphertext: row.credentialsCiphertext },
      channelCredentialsAad(channelId),
    );
    const webhookSecret = this.box.open(
      { keyId, ciphertext: row.webhookSecretCiphertext },
      channelWebhookSecretAad(channelId),
    );
    return {
      id: channelId,
      accountId: row.accountId,
      channelType: row.channelType,
      provider: row.provider,
      enabled: row.isEnabled && row.status !== "disabled",
      senderName: row.senderName,
      credentials: webhookCredentials(row, credentials, webhookSecret),
      webhookSecret,
    };
  }
}
