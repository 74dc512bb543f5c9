/**
 * Conversations as threads of both directions: an outbound message to an address joins the open
 * (or pending) conversation with it on that channel and moves its last-message time; the REST
 * layer reads, updates and marks them read here.
 */

import { sql } from "drizzle-orm";
import type { Orm } from "../client.js";
import { mapRow } from "../query/rows.js";
import { conversations, type ConversationRow } from "../schema.js";

type Raw = Record<string, unknown>;
const rowsOf = (r: unknown) => (r as { rows: Raw[] }).rows;

/** The conversation an outbound message to `address` on the channel joins, if one is not closed. */
export async function openConversationWith(orm: Orm, channelId: string, address: string): Promise<string | null> {
  const r = await orm.execute(
    sql`SELECT id FROM conversations
         WHERE channel_id = ${channelId} AND participant_from = ${address} AND status <> 'closed'
         ORDER BY last_message_at DESC NULLS LAST LIMIT 1`,
  );
  const row = rowsOf(r)[0];
  return row ? String(row.id) : null;
}

/** An outbound message joined the conversation: its last activity moves forward, never back. */
export async function touchOutbound(orm: Orm, conversationId: string, now: Date): Promise<void> {
  await orm.execute(
    sql`UPDATE conversations SET last_message_at = GREATEST(COALESCE(last_message_at, ${now.toISOString()}::timestamptz), ${now.toISOString()}::timestamptz),
               updated_at = ${now.toISOString()}::timestamptz
         WHERE id = ${conversationId}`,
  );
}

/** Clears the unread count (a read marker at `now`); undefined when the conversation is not in the account. */
export async function markConversationRead(
  orm: Orm,
  accountIds: readonly string[],
  id: string,
  now: Date,
): Promise<ConversationRow | undefined> {
  const r = await orm.execute(
    sql`UPDATE conversations SET unread_count = 0, last_read_at = ${now.toISOString()}::timestamptz,
               updated_at = ${now.toISOString()}::timestamptz
         WHERE id = ${id} AND account_id = ANY(${sql.param([...accountIds])}::uuid[])
        RETURNING *`,
  );
  const row = rowsOf(r)[0];
  return row ? mapRow(conversations, row) : undefined;
}

/**
 * Closes conversations with no message for `idleMs` (open or pending), in chunks the caller
 * repeats until none is left. Returns the rows it closed, as they are now.
 */
export async function closeIdleConversations(
  orm: Orm,
  now: Date,
  idleMs: number,
  limit = 1000,
): Promise<ConversationRow[]> {
  const before = new Date(now.getTime() - idleMs).toISOString();
  const r = await orm.execute(
    sql`UPDATE conversations SET status = 'closed', updated_at = ${now.toISOString()}::timestamptz
         WHERE id IN (SELECT id FROM conversations
                       WHERE status <> 'closed' AND COALESCE(last_message_at, created_at) < ${before}::timestamptz
                       LIMIT ${limit})
        RETURNING *`,
  );
  return rowsOf(r).map((x) => mapRow(conversations, x));
}

/** The customer's latest message in the conversation: what a read receipt names. */
export async function lastInboundOf(
  orm: Orm,
  conversationId: string,
): Promise<{ from: string; providerMessageId: string } | undefined> {
  const r = await orm.execute(
    sql`SELECT delivery_address, provider_message_id FROM messages
         WHERE conversation_id = ${conversationId} AND direction = 'inbound' AND provider_message_id IS NOT NULL
         ORDER BY created_at DESC LIMIT 1`,
  );
  const row = rowsOf(r)[0];
  return row ? { from: String(row.delivery_address), providerMessageId: String(row.provider_message_id) } : undefined;
}
