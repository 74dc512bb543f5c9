/**
 * The inbound consumer's SQL, set-based: one transaction per batch of a channel's inbound
 * messages finds or creates the senders' contacts, threads them into conversations, inserts the
 * messages (the unique index uq_messages_inbound_provider_id makes a redelivery insert nothing)
 * and applies opt-out keywords of the messages that were new.
 */

import type { CallbackEvent } from "../../core/callbacks/events.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import {
  contactKeyOf,
  finalKeywordActions,
  phoneSpellings,
  type KeywordHit,
  type StoredPart,
} from "../../core/webhooks/inbound-plan.js";
import { optOutScope } from "../../core/webhooks/opt-out.js";
import type { Database, Session } from "../client.js";
import { uuidv7 } from "../ids.js";
import { markOptOuts } from "../contacts/opt-outs.js";
import { mapRow } from "../query/rows.js";
import { conversations as conversationsTable, type ConversationRow } from "../schema.js";

export interface InboundChannel {
  id: string;
  accountId: string;
  channelType: ChannelType;
}

/** One inbound message ready to store (a long SMS only once all its parts are in). */
export interface ReadyInbound {
  providerMessageId: string;
  address: string;
  participantTo: string;
  text: string;
  receivedAt: Date;
  name: string | null;
  keyword?: KeywordHit;
  metadata: Record<string, unknown>;
  traceId: string | null;
}

export interface PartRow extends StoredPart {
  sender: string;
  ref: string;
}

export interface ApplyResult {
  /** Keys (providerMessageId|receivedAt ms) of the messages this batch inserted. */
  inserted: Set<string>;
  optedOut: number;
  optedIn: number;
  /** The messages this batch inserted, for message.received. */
  received: ReceivedInbound[];
  /** Conversations this batch started, as they are after it, for conversation.created. */
  createdConversations: ConversationRow[];
  /**
   * Conversations it had and whose status it changed (a closed or pending one a new message
   * reopened), as they are after it, for conversation.updated.
   */
  reopenedConversations: ConversationRow[];
}

export interface ReceivedInbound {
  id: string;
  createdAt: Date;
  conversationId: string | null;
  contactId: string | null;
  from: string;
  text: string;
  providerMessageId: string;
}

const NOTHING_APPLIED = (): ApplyResult => ({
  inserted: new Set(),
  optedOut: 0,
  optedIn: 0,
  received: [],
  createdConversations: [],
  reopenedConversations: [],
});

export const inboundKey = (providerMessageId: string, at: Date) => `${providerMessageId}|${at.getTime()}`;

export class InboundStore {
  constructor(private readonly db: Database) {}

  async loadChannel(channelId: string): Promise<InboundChannel | undefined> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ id: string; account_id: string; channel_type: ChannelType }>(
        `SELECT id, account_id, channel_type FROM channels WHERE id = $1`,
        [channelId],
      );
      const r = rows[0];
      return r ? { id: String(r.id), accountId: String(r.account_id), channelType: r.channel_type } : undefined;
    });
  }

  /**
   * Keeps the parts (the first copy of a part wins) and returns every stored part of the messages
   * they belong to. Committed before the caller looks for complete messages, so of two batches
   * that bring the last two parts at once at least one sees them all.
   */
  async addParts(channelId: string, parts: readonly PartRow[]): Promise<PartRow[]> {
    if (parts.length === 0) return [];
    await this.db.withSession((s) =>
      s.query(
        `INSERT INTO inbound_message_parts (channel_id, sender, ref, part, total, provider_message_id, body, received_at)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::smallint[], $5::smallint[], $6::text[], $7::text[], $8::timestamptz[])
         ON CONFLICT DO NOTHING`,
        [
          channelId,
          parts.map((p) => p.sender),
          parts.map((p) => p.ref),
          parts.map((p) => p.part),
          parts.map((p) => p.total),
          parts.map((p) => p.providerMessageId),
          parts.map((p) => p.body),
          parts.map((p) => p.receivedAt),
        ],
      ),
    );
    const keys = [...new Map(parts.map((p) => [`${p.sender}\u0000${p.ref}`, p])).values()];
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `SELECT p.sender, p.ref, p.part, p.total, p.provider_message_id, p.body, p.received_at
           FROM inbound_message_parts p JOIN unnest($2::text[], $3::text[]) AS k(sender, ref) ON p.sender = k.sender AND p.ref = k.ref
          WHERE p.channel_id = $1`,
        [channelId, keys.map((k) => k.sender), keys.map((k) => k.ref)],
      );
      return rows.map((r) => ({
        sender: String(r.sender),
        ref: String(r.ref),
        part: Number(r.part),
        total: Number(r.total),
        providerMessageId: String(r.provider_message_id),
        body: String(r.body),
        receivedAt: r.received_at instanceof Date ? r.received_at : new Date(String(r.received_at)),
      }));
    });
  }

  /** Parts of messages whose other parts never came. Kept a day, then dropped. */
  async pruneParts(olderThan: Date): Promise<number> {
    return this.db.withSession(
      async (s) =>
        (await s.query(`DELETE FROM inbound_message_parts WHERE received_at < $1 RETURNING 1`, [olderThan])).rows
          .length,
    );
  }

  /**
   * Stores a batch in one transaction. `callbacksOf` turns the messages it stored (not those it
   * already had), the conversations it created and those it reopened into callback events, staged
   * in the same transaction (db/callbacks/outbox.ts).
   */
  async apply(
    ch: InboundChannel,
    items: readonly ReadyInbound[],
    now: Date,
    callbacksOf?: (
      stored: readonly ReadyInbound[],
      created: readonly ConversationRow[],
      reopened: readonly ConversationRow[],
    ) => readonly CallbackEvent[],
  ): Promise<ApplyResult> {
    const unique = [...new Map(items.map((m) => [inboundKey(m.providerMessageId, m.receivedAt), m])).values()];
    if (unique.length === 0) return NOTHING_APPLIED();
    return this.db.transaction(async (s) => {
      await lockKeys(s, ch, unique);
      const todo = await withoutStored(s, ch, unique);
      if (todo.length === 0) return NOTHING_APPLIED();
      const contacts = await this.contactsFor(s, ch, todo, now);
      const conversations = await upsertConversations(s, ch, todo, contacts, now);
      const received = await insertMessages(s, ch, todo, contacts, conversations.ids, now);
      const inserted = new Set(received.map((r) => inboundKey(r.providerMessageId, r.createdAt)));
      const fresh = todo.filter((m) => inserted.has(inboundKey(m.providerMessageId, m.receivedAt)));
      const touched = await touchConversations(s, fresh, conversations.ids, now);
      const createdIds = new Set(conversations.created);
      const reopenedConversations = touched.filter((c) => !createdIds.has(c.id) && c.reopened).map((c) => c.row);
      const keywords = await applyKeywords(s, ch, fresh, contacts, now);
      const createdConversations =
        conversations.created.length === 0
          ? []
          : (
              await s.query<Record<string, unknown>>(`SELECT * FROM conversations WHERE id = ANY($1::uuid[])`, [
                conversations.created,
              ])
            ).rows.map((r) => mapRow(conversationsTable, r));
      if (callbacksOf) await stageCallbacks(s, callbacksOf(fresh, createdConversations, reopenedConversations));
      return { inserted, ...keywords, received, createdConversations, reopenedConversations };
    });
  }

  /**
   * The sender's contact per address: the account's oldest contact with that address, or a new
   * one. A transaction lock per (account, address) keeps two batches from both creating it.
   */
  private async contactsFor(
    s: Session,
    ch: InboundChannel,
    items: readonly ReadyInbound[],
    now: Date,
  ): Promise<Map<string, string>> {
    const key = contactKeyOf(ch.channelType);
    const field = key.kind === "column" ? key.column : key.key;
    const addresses = [...new Set(items.map((m) => m.address))];
    const found = new Map<string, string>();
    if (key.kind === "column" && key.column === "phone") {
      const spelled = new Map(addresses.flatMap((a) => phoneSpellings(a).map((spelling) => [spelling, a] as const)));
      const { rows } = await s.query<{ id: string; phone: string }>(
        `SELECT id, phone FROM contacts WHERE account_id = $1 AND phone = ANY($2::text[]) ORDER BY created_at, id`,
        [ch.accountId, [...spelled.keys()]],
      );
      for (const r of rows) {
        const a = spelled.get(r.phone);
        if (a && !found.has(a)) found.set(a, String(r.id));
      }
    } else {
      const expr = key.kind === "column" ? "lower(email)" : `metadata->>'${key.key}'`;
      const where = key.kind === "column" ? "email IS NOT NULL" : `metadata ? '${key.key}'`;
      const { rows } = await s.query<{ id: string; a: string }>(
        `SELECT id, ${expr} AS a FROM contacts WHERE account_id = $1 AND ${where} AND ${expr} = ANY($2::text[]) ORDER BY created_at, id`,
        [ch.accountId, addresses],
      );
      for (const r of rows) if (!found.has(r.a)) found.set(r.a, String(r.id));
    }
    const missing = addresses.filter((a) => !found.has(a));
    if (missing.length > 0) {
      const nameOf = new Map(items.map((m) => [m.address, m.name]));
      const ids = missing.map(() => uuidv7(now));
      await s.query(
        `INSERT INTO contacts (id, account_id, name, phone, email, metadata, created_at, updated_at)
         SELECT u.id, $1, u.name, u.phone, u.email, u.metadata::jsonb, $2, $2
           FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, name, phone, email, metadata)`,
        [
          ch.accountId,
          now,
          ids,
          missing.map((a) => nameOf.get(a) ?? null),
          missing.map((a) => (field === "phone" ? a : null)),
          missing.map((a) => (field === "email" ? a : null)),
          missing.map((a) => JSON.stringify(key.kind === "metadata" ? { [key.key]: a } : {})),
        ],
      );
      missing.forEach((a, i) => found.set(a, ids[i]!));
    }
    return found;
  }
}

/**
 * Transaction locks, taken in one sorted statement so two batches cannot deadlock: one per
 * provider message id (a redelivery waits for the first copy, then sees it) and one per sender
 * address of the account (two batches cannot both create the contact).
 */
async function lockKeys(s: Session, ch: InboundChannel, items: readonly ReadyInbound[]): Promise<void> {
  const key = contactKeyOf(ch.channelType);
  const field = key.kind === "column" ? key.column : key.key;
  const keys = [
    ...items.map((m) => `message:${ch.id}:${m.providerMessageId}`),
    ...items.map((m) => `contact:${ch.accountId}:${field}:${m.address}`),
  ];
  await s.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT DISTINCT unnest($1::text[]) AS k ORDER BY 1) x`,
    [keys],
  );
}

/** How far from a redelivery's time the first copy is looked for (provider retries span hours). */
const REDELIVERY_WINDOW_MS = 3 * 86_400_000;

/**
 * The messages not stored yet. Several providers (Twilio, SMPP) give no time of their own, so a
 * redelivery carries a new receipt time and would slip past the unique index, which must include
 * created_at: it is found here by provider id instead. An edit (Telegram) keeps its message's id
 * but is a new message with its own provider time, so edits match only on that exact time.
 */
async function withoutStored(s: Session, ch: InboundChannel, items: readonly ReadyInbound[]): Promise<ReadyInbound[]> {
  const times = items.map((m) => m.receivedAt.getTime());
  const { rows } = await s.query<{ provider_message_id: string; created_at: Date | string; edited: boolean }>(
    `SELECT provider_message_id, created_at, COALESCE(metadata->>'edited' = 'true', false) AS edited FROM messages
      WHERE channel_id = $1 AND provider_message_id = ANY($2::text[]) AND direction = 'inbound' AND created_at BETWEEN $3 AND $4`,
    [
      ch.id,
      [...new Set(items.map((m) => m.providerMessageId))],
      new Date(Math.min(...times) - REDELIVERY_WINDOW_MS),
      new Date(Math.max(...times) + REDELIVERY_WINDOW_MS),
    ],
  );
  const exact = new Set(
    rows.map((r) =>
      inboundKey(String(r.provider_message_id), r.created_at instanceof Date ? r.created_at : new Date(r.created_at)),
    ),
  );
  const original = new Set(rows.filter((r) => !r.edited).map((r) => String(r.provider_message_id)));
  return items.filter(
    (m) =>
      !exact.has(inboundKey(m.providerMessageId, m.receivedAt)) &&
      (m.metadata.edited === true || !original.has(m.providerMessageId)),
  );
}

const conversationKey = (address: string, to: string) => `${address}\u0000${to}`;

/** One conversation per (channel, sender, our side): reused whatever its status, created when new. */
async function upsertConversations(
  s: Session,
  ch: InboundChannel,
  items: readonly ReadyInbound[],
  contacts: Map<string, string>,
  now: Date,
): Promise<{ ids: Map<string, string>; created: string[] }> {
  const pairs = [...new Map(items.map((m) => [conversationKey(m.address, m.participantTo), m])).values()];
  const { rows } = await s.query<{ id: string; participant_from: string; participant_to: string; created: boolean }>(
    `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, contact_id, status, created_at, updated_at)
     SELECT u.id, $1, $2, $3, u.pfrom, u.pto, u.contact_id, 'open', $4, $4
       FROM unnest($5::uuid[], $6::text[], $7::text[], $8::uuid[]) AS u(id, pfrom, pto, contact_id)
     ON CONFLICT (channel_id, participant_from, participant_to)
       DO UPDATE SET contact_id = COALESCE(conversations.contact_id, EXCLUDED.contact_id)
     RETURNING id, participant_from, participant_to, (xmax = 0) AS created`,
    [
      ch.accountId,
      ch.id,
      ch.channelType,
      now,
      pairs.map(() => uuidv7(now)),
      pairs.map((m) => m.address),
      pairs.map((m) => m.participantTo),
      pairs.map((m) => contacts.get(m.address) ?? null),
    ],
  );
  return {
    ids: new Map(rows.map((r) => [conversationKey(r.participant_from, r.participant_to), String(r.id)])),
    created: rows.filter((r) => r.created === true).map((r) => String(r.id)),
  };
}

async function insertMessages(
  s: Session,
  ch: InboundChannel,
  items: readonly ReadyInbound[],
  contacts: Map<string, string>,
  conversations: Map<string, string>,
  now: Date,
): Promise<ReceivedInbound[]> {
  // created_at is the provider's time of the message, so a redelivery collides with the first copy.
  const { rows } = await s.query<{
    id: string;
    provider_message_id: string;
    created_at: Date | string;
    conversation_id: string | null;
    contact_id: string | null;
    delivery_address: string;
    message_body: string;
  }>(
    `INSERT INTO messages (id, created_at, updated_at, account_id, channel_id, channel_type, contact_id, conversation_id,
                           direction, status, delivery_address, message_body, metadata, provider_message_id, delivered_at, trace_id)
     SELECT u.id, u.created_at, $4, $1, $2, $3, u.contact_id, u.conversation_id,
            'inbound', 'delivered', u.address, u.body, u.metadata::jsonb, u.provider_id, u.created_at, u.trace_id
       FROM unnest($5::uuid[], $6::timestamptz[], $7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
            AS u(id, created_at, contact_id, conversation_id, address, body, metadata, provider_id, trace_id)
     ON CONFLICT DO NOTHING
     RETURNING id, provider_message_id, created_at, conversation_id, contact_id, delivery_address, message_body`,
    [
      ch.accountId,
      ch.id,
      ch.channelType,
      now,
      items.map((m) => uuidv7(m.receivedAt)),
      items.map((m) => m.receivedAt),
      items.map((m) => contacts.get(m.address) ?? null),
      items.map((m) => conversations.get(conversationKey(m.address, m.participantTo)) ?? null),
      items.map((m) => m.address),
      items.map((m) => m.text),
      items.map((m) => JSON.stringify(m.metadata)),
      items.map((m) => m.providerMessageId),
      items.map((m) => m.traceId),
    ],
  );
  return rows.map((r) => ({
    id: String(r.id),
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
    conversationId: r.conversation_id,
    contactId: r.contact_id,
    from: r.delivery_address,
    text: r.message_body,
    providerMessageId: String(r.provider_message_id),
  }));
}

/**
 * A new message (re)opens its conversation (from pending or closed too), adds to its unread count
 * and moves its last-message and last-inbound times forward, never back. last_inbound_at is
 * written only here, from stored inbound messages: it is what WhatsApp's customer-care window is
 * worked out from (db/conversations/care-window.ts). Returns the conversations as they are after
 * it, each with whether it was not open before (the rows are locked first, so that status is the
 * one this update replaced).
 */
async function touchConversations(
  s: Session,
  fresh: readonly ReadyInbound[],
  conversations: Map<string, string>,
  now: Date,
): Promise<{ id: string; reopened: boolean; row: ConversationRow }[]> {
  const latest = new Map<string, { at: Date; n: number }>();
  for (const m of fresh) {
    const id = conversations.get(conversationKey(m.address, m.participantTo));
    if (!id) continue;
    const seen = latest.get(id);
    latest.set(id, {
      at: !seen || m.receivedAt > seen.at ? m.receivedAt : seen.at,
      n: (seen?.n ?? 0) + 1,
    });
  }
  if (latest.size === 0) return [];
  const ids = [...latest.keys()].sort();
  const { rows: before } = await s.query<{ id: string; status: string }>(
    `SELECT id, status FROM conversations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  const wasOpen = new Set(before.filter((r) => r.status === "open").map((r) => String(r.id)));
  const { rows } = await s.query<Record<string, unknown>>(
    `UPDATE conversations c SET status = 'open', updated_at = $4, unread_count = c.unread_count + u.n,
            last_message_at = GREATEST(COALESCE(c.last_message_at, u.at), u.at),
            last_inbound_at = GREATEST(COALESCE(c.last_inbound_at, u.at), u.at)
       FROM unnest($1::uuid[], $2::timestamptz[], $3::int[]) AS u(id, at, n)
      WHERE c.id = u.id
     RETURNING c.*`,
    [ids, ids.map((id) => latest.get(id)!.at), ids.map((id) => latest.get(id)!.n), now],
  );
  return rows.map((r) => {
    const row = mapRow(conversationsTable, r);
    return { id: row.id, reopened: !wasOpen.has(row.id), row };
  });
}

/**
 * STOP-like keywords opt the sender out on this channel's scope, START-like ones remove the mark.
 * Only messages inserted now count, so a redelivered old STOP cannot undo a later START.
 */
async function applyKeywords(
  s: Session,
  ch: InboundChannel,
  fresh: readonly ReadyInbound[],
  contacts: Map<string, string>,
  now: Date,
): Promise<{ optedOut: number; optedIn: number }> {
  const hits = finalKeywordActions(fresh.flatMap((m) => (m.keyword ? [m.keyword] : [])));
  const scope = optOutScope(ch.channelType);
  const outs = hits.filter((h) => h.action === "opt_out");
  const ins = hits.filter((h) => h.action === "opt_in");
  if (outs.length > 0) {
    await markOptOuts(
      s,
      outs.map((h) => ({
        accountId: ch.accountId,
        scope,
        address: h.address,
        contactId: contacts.get(h.address) ?? null,
        channelId: ch.id,
        source: h.source ?? ("keyword" as const),
        reason: h.keyword,
      })),
      now,
    );
  }
  if (ins.length > 0) {
    await s.query(
      `DELETE FROM contact_opt_outs WHERE account_id = $1 AND channel_scope = $2 AND address = ANY($3::text[])`,
      [ch.accountId, scope, ins.map((h) => h.address)],
    );
  }
  return { optedOut: outs.length, optedIn: ins.length };
}
