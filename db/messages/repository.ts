/**
 * The REST layer's reads and writes of messages: create (with its `created` event), get, list events,
 * delete; status changes go through status-writes.ts like every other writer's.
 */

import { and, asc, eq, gte, lt, sql } from "drizzle-orm";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { ChannelOptions } from "../../core/messages/channel-options.js";
import { conflict } from "../../core/errors.js";
import type { Database, Orm } from "../client.js";
import { uuidv7, uuidv7Time } from "../ids.js";
import { insertColumns, mapRow } from "../query/rows.js";
import { scopeCondition, type Scope } from "../query/list.js";
import { messageEvents, messages, type MessageEventRow, type MessageRow } from "../schema.js";
import type { MessageDirection, MessageStatus } from "../../core/messages/lifecycle.js";
import { changeRequestedStatus, type RequestedStatusChange } from "./status-writes.js";

export interface NewMessage {
  accountId: string;
  channelId: string;
  channelType: ChannelType;
  direction: MessageDirection;
  status: MessageStatus;
  priority: number;
  deliveryAddress: string;
  messageBody: string;
  metadata?: Record<string, unknown>;
  channelOptions?: ChannelOptions;
  contactId?: string | null;
  conversationId?: string | null;
  /** The inbound message this one replies to, and the provider's id of it (for threading). */
  replyToMessageId?: string | null;
  replyToProviderMessageId?: string | null;
  groupMessageId?: string | null;
  scheduledMessageId?: string | null;
  templateId?: string | null;
  encoding?: "gsm7" | "ucs2" | null;
  segments?: number | null;
  traceId?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/**
 * Stores a message and its first status event in one statement (a data-modifying CTE), so the
 * pair is atomic without a transaction and costs one round trip. The id is a UUIDv7 of the same
 * instant as created_at, and a queued message is due for dispatch immediately. A message created
 * failed (it could never be sent) has its failed_at.
 */
export async function createMessage(orm: Orm, input: NewMessage, now: Date): Promise<MessageRow> {
  const row = insertColumns(messages, {
    ...input,
    id: uuidv7(now),
    metadata: input.metadata ?? {},
    channelOptions: input.channelOptions ?? {},
    createdAt: now,
    updatedAt: now,
    nextAttemptAt: input.status === "queued" ? now : null,
    failedAt: input.status === "failed" ? now : null,
  });
  const result = await orm.execute(sql`
    WITH m AS (INSERT INTO ${messages} (${row.names}) VALUES (${row.values}) RETURNING *),
         e AS (INSERT INTO ${messageEvents} (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status)
               SELECT ${uuidv7(now)}::uuid, m.created_at, m.id, m.created_at, m.account_id, 'created', NULL, m.status FROM m)
    SELECT * FROM m`);
  return mapRow(messages, (result as { rows: Record<string, unknown>[] }).rows[0]!);
}

/**
 * Looks a message up by id. Ids minted here are UUIDv7 whose timestamp is created_at, so the
 * lookup is narrowed to that instant and PostgreSQL reads one partition instead of all of them;
 * ids from elsewhere fall back to the plain lookup.
 */
export async function getMessage(orm: Orm, scope: Scope, id: string): Promise<MessageRow | undefined> {
  const base = and(eq(messages.id, id), scopeCondition(messages.accountId, scope));
  const at = uuidv7Time(id);
  if (at) {
    const hit = await orm
      .select()
      .from(messages)
      .where(and(base, gte(messages.createdAt, at), lt(messages.createdAt, new Date(at.getTime() + 1))))
      .limit(1);
    if (hit[0]) return hit[0];
  }
  return (await orm.select().from(messages).where(base).limit(1))[0];
}

/**
 * Applies a status change allowed by MESSAGE_TRANSITIONS and records it in message_events, in one
 * transaction (the statements live with every other status write, in status-writes.ts).
 */
export async function changeMessageStatus(
  db: Database,
  scope: Scope,
  id: string,
  change: RequestedStatusChange,
  now: Date,
): Promise<{ row: MessageRow; from: MessageStatus } | undefined> {
  const changed = await db.transaction((s) => changeRequestedStatus(s, scope, id, change, now));
  return changed && { row: mapRow(messages, changed.row), from: changed.from };
}

export async function updateMessageMetadata(
  orm: Orm,
  scope: Scope,
  id: string,
  metadata: Record<string, unknown>,
  now: Date,
): Promise<MessageRow | undefined> {
  const current = await getMessage(orm, scope, id);
  if (!current) return undefined;
  const [row] = await orm
    .update(messages)
    .set({ metadata, updatedAt: now })
    .where(and(eq(messages.id, current.id), eq(messages.createdAt, current.createdAt)))
    .returning();
  return row;
}

/** Deletes a message and its events; one being handed to a provider right now is refused. */
export async function deleteMessage(db: Database, scope: Scope, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const current = await getMessage(tx.orm, scope, id);
    if (!current) return false;
    if (current.status === "sending") throw conflict("invalid_state", "a message being sent cannot be deleted");
    await tx.orm.delete(messageEvents).where(eq(messageEvents.messageId, current.id));
    await tx.orm.delete(messages).where(and(eq(messages.id, current.id), eq(messages.createdAt, current.createdAt)));
    return true;
  });
}

export async function listMessageEvents(orm: Orm, message: MessageRow): Promise<MessageEventRow[]> {
  return orm
    .select()
    .from(messageEvents)
    .where(and(eq(messageEvents.messageId, message.id), gte(messageEvents.createdAt, message.createdAt)))
    .orderBy(asc(messageEvents.createdAt), asc(messageEvents.id))
    .limit(1000);
}
