/**
 * When recipients last wrote to a channel: the conversations' last_inbound_at, written by the
 * inbound consumer from the messages it stores. WhatsApp's customer-care window is worked out
 * from it (core/messages/care-window.ts) when a message is created, and again by the dispatch
 * claim when it is sent. Addresses are compared in the form inbound senders are stored.
 */

import { and, eq, max } from "drizzle-orm";
import { normaliseAddress } from "../../core/webhooks/opt-out.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Orm, Session } from "../client.js";
import { conversations } from "../schema.js";

/** The last inbound time of each address that has one, in one statement for the whole list. */
export async function lastInboundTimes(
  s: Session,
  channel: { id: string; channelType: ChannelType },
  addresses: readonly string[],
): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (addresses.length === 0) return out;
  const byForm = new Map<string, string[]>();
  for (const a of addresses) {
    const form = normaliseAddress(channel.channelType, a);
    byForm.set(form, [...(byForm.get(form) ?? []), a]);
  }
  const { rows } = await s.query<{ address: string; at: Date | string }>(
    `SELECT participant_from AS address, max(last_inbound_at) AS at FROM conversations
      WHERE channel_id = $1 AND participant_from = ANY($2::text[]) AND last_inbound_at IS NOT NULL
      GROUP BY participant_from`,
    [channel.id, [...byForm.keys()]],
  );
  for (const r of rows) {
    const at = r.at instanceof Date ? r.at : new Date(r.at);
    for (const a of byForm.get(r.address) ?? []) out.set(a, at);
  }
  return out;
}

/** The last inbound time of one address (the REST layer's single send). */
export async function lastInboundTime(
  orm: Orm,
  channel: { id: string; channelType: ChannelType },
  address: string,
): Promise<Date | null> {
  const [row] = await orm
    .select({ at: max(conversations.lastInboundAt) })
    .from(conversations)
    .where(
      and(
        eq(conversations.channelId, channel.id),
        eq(conversations.participantFrom, normaliseAddress(channel.channelType, address)),
      ),
    );
  return row?.at ?? null;
}
