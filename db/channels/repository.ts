/**
 * Channels as the REST layer manages them: credentials are encrypted before they are stored and
 * opened only for the pipeline, and status changes follow the channel lifecycle.
 */

import { randomBytes } from "node:crypto";
import { and, asc, desc, eq, ne } from "drizzle-orm";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { MediaFallback } from "../../core/media/link-fallback.js";
import type { Database, Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { Scope } from "../query/list.js";
import { channels, type ChannelRow } from "../schema.js";
import { channelCredentialsAad, channelWebhookSecretAad, type SecretBox } from "../secret-box.js";
import { CHANNEL_TRANSITIONS, type ChannelStatus } from "../../core/messages/lifecycle.js";
import { getScoped, updateScoped } from "../query/crud.js";
import { transitionRowIn } from "../query/transitions.js";
import { stageCallbacks } from "../callbacks/outbox.js";

/** A channel as clients create it; credentials are already validated against the type's schema. */
export interface NewChannel {
  accountId: string;
  name: string;
  channelType: ChannelType;
  provider: string;
  credentials: Record<string, unknown>;
  senderName?: string | null;
  rateLimit?: number;
  burst?: number | null;
  priority?: number;
  isEnabled?: boolean;
  /** Initial status; new channels are active unless created paused or disabled. */
  status?: ChannelStatus;
  retryConfig?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  mediaFallback?: MediaFallback;
}

export type ChannelPatch = Partial<
  Pick<
    NewChannel,
    | "name"
    | "senderName"
    | "rateLimit"
    | "burst"
    | "priority"
    | "isEnabled"
    | "retryConfig"
    | "metadata"
    | "mediaFallback"
    | "credentials"
    | "status"
  >
> & {
  statusReason?: string | null;
};

function sealCredentials(box: SecretBox, id: string, credentials: Record<string, unknown>) {
  const sealed = box.sealJson(credentials, channelCredentialsAad(id));
  return {
    credentialsCiphertext: sealed.ciphertext,
    credentialsKeyId: sealed.keyId,
    credentialFields: Object.keys(credentials).sort(),
  };
}

export async function createChannel(orm: Orm, box: SecretBox, input: NewChannel, now: Date): Promise<ChannelRow> {
  const id = uuidv7(now);
  // The secret providers echo on webhooks (e.g. Telegram's secret_token); minted here, never returned.
  const webhook = box.seal(randomBytes(32).toString("base64url"), channelWebhookSecretAad(id));
  const [row] = await orm
    .insert(channels)
    .values({
      id,
      accountId: input.accountId,
      name: input.name,
      channelType: input.channelType,
      provider: input.provider,
      ...sealCredentials(box, id, input.credentials),
      webhookSecretCiphertext: webhook.ciphertext,
      senderName: input.senderName ?? null,
      rateLimit: input.rateLimit ?? 60,
      burst: input.burst ?? null,
      priority: input.priority ?? 0,
      isEnabled: input.isEnabled ?? true,
      status: input.status ?? "active",
      retryConfig: input.retryConfig ?? {},
      metadata: input.metadata ?? {},
      mediaFallback: input.mediaFallback ?? "refuse",
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

/**
 * Applies a PATCH in one transaction. When it changed the status, `statusCallback` builds the
 * account's channel.status callback, staged with the change (db/callbacks/outbox.ts).
 */
export async function updateChannel(
  db: Database,
  box: SecretBox | undefined,
  scope: Scope,
  id: string,
  patch: ChannelPatch,
  now: Date,
  statusCallback?: (row: ChannelRow) => CallbackEvent,
): Promise<ChannelRow | undefined> {
  return db.transaction(async (tx) => {
    let statusChanged = false;
    if (patch.status !== undefined) {
      const moved = await transitionRowIn(tx, channels, CHANNEL_TRANSITIONS, scope, id, patch.status);
      if (!moved) return undefined;
      statusChanged = moved.from !== patch.status;
    }
    const { credentials, status: _status, ...plain } = patch;
    const set: Partial<typeof channels.$inferInsert> = { ...plain, updatedAt: now };
    if (credentials !== undefined) {
      if (!box) throw new Error("credentials cannot be changed without an encryption key");
      // Keys are re-encrypted together: the webhook secret moves to the active key as well.
      const current = await getScoped(tx.orm, channels, scope, id);
      if (!current) return undefined;
      Object.assign(set, sealCredentials(box, id, credentials));
      set.webhookSecretCiphertext = box.seal(openWebhookSecret(box, current), channelWebhookSecretAad(id)).ciphertext;
    }
    const row = await updateScoped(tx.orm, channels, scope, id, set);
    if (row && statusChanged && statusCallback) await stageCallbacks(tx, [statusCallback(row)]);
    return row;
  });
}

export function openCredentials(box: SecretBox, row: ChannelRow): Record<string, unknown> {
  return box.openJson(
    { keyId: row.credentialsKeyId, ciphertext: row.credentialsCiphertext },
    channelCredentialsAad(row.id),
  );
}

export function openWebhookSecret(box: SecretBox, row: ChannelRow): string {
  return box.open(
    { keyId: row.credentialsKeyId, ciphertext: row.webhookSecretCiphertext },
    channelWebhookSecretAad(row.id),
  );
}

/**
 * Key rotation: re-seals every channel not yet under the active key. Runs in batches so a
 * large table is never locked as a whole; returns how many rows moved to the active key.
 */
export async function reencryptChannels(orm: Orm, box: SecretBox, batch = 500): Promise<number> {
  let moved = 0;
  for (;;) {
    const stale = await orm.select().from(channels).where(ne(channels.credentialsKeyId, box.activeKeyId)).limit(batch);
    if (stale.length === 0) return moved;
    for (const row of stale) {
      const credentials = openCredentials(box, row);
      const secret = openWebhookSecret(box, row);
      await orm
        .update(channels)
        .set({
          ...sealCredentials(box, row.id, credentials),
          webhookSecretCiphertext: box.seal(secret, channelWebhookSecretAad(row.id)).ciphertext,
        })
        .where(eq(channels.id, row.id));
      moved++;
    }
  }
}

/** The account's enabled, active channel of the type with the highest priority (the oldest on a tie). */
export async function preferredActiveChannel(
  orm: Orm,
  accountId: string,
  channelType: string,
): Promise<ChannelRow | undefined> {
  const [row] = await orm
    .select()
    .from(channels)
    .where(
      and(
        eq(channels.accountId, accountId),
        eq(channels.channelType, channelType),
        eq(channels.isEnabled, true),
        eq(channels.status, "active"),
      ),
    )
    .orderBy(desc(channels.priority), asc(channels.createdAt))
    .limit(1);
  return row;
}
