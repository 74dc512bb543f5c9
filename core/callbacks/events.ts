/**
 * Events the platform calls tenants back with (their registered webhook endpoints). zod is the
 * single source: producers build events through `callbackEvent`, the fan-out consumer validates
 * deliveries against `callbackEventSchema`, and the body a tenant receives is that very object.
 *
 * Adding an event type is one entry in CALLBACK_DATA: its name and the schema of its `data`.
 * Every event carries a unique `id` (tenants deduplicate on it: delivery is at least once) and an
 * `ordering_key`: events with the same key reach one endpoint in the order they were produced
 * (a message's statuses), events with different keys may overtake each other.
 */

import { createHash } from "node:crypto";
import { z } from "zod";

/** The topic producers publish callback events to; the callback consumer fans them out per endpoint. */
export const CALLBACK_TOPIC = "callback.event";

const iso = z.iso.datetime({ offset: true });

/** A campaign's messages by their current status (the group message's counters). */
const campaignCounters = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  skipped: z.number().int(),
});

/** A conversation as it is after the change (conversation.created and conversation.updated). */
const conversationData = z.object({
  conversation_id: z.uuid(),
  channel_id: z.uuid(),
  channel_type: z.string(),
  /** The customer's address. */
  participant_from: z.string(),
  /** Our side: the number, bot or page written to. */
  participant_to: z.string(),
  contact_id: z.uuid().nullable(),
  status: z.string(),
  assignee: z.string().nullable(),
  unread_count: z.number().int(),
  last_message_at: iso.nullable(),
  last_inbound_at: iso.nullable(),
});

/** The `data` of every event type, by type. */
export const CALLBACK_DATA = {
  "message.status": z.object({
    message_id: z.uuid(),
    channel_id: z.uuid().nullable(),
    from_status: z.string(),
    status: z.string(),
    group_message_id: z.uuid().nullable(),
    error_code: z.string().nullable(),
  }),
  "message.received": z.object({
    channel_id: z.uuid(),
    channel_type: z.string(),
    from: z.string(),
    to: z.string().nullable(),
    text: z.string().nullable(),
    provider_message_id: z.string(),
    received_at: iso,
  }),
  "campaign.progress": z.object({
    group_message_id: z.uuid(),
    status: z.string(),
    counters: campaignCounters,
  }),
  "campaign.completed": z.object({
    group_message_id: z.uuid(),
    status: z.string(),
    counters: campaignCounters,
  }),
  "channel.status": z.object({
    channel_id: z.uuid(),
    status: z.string(),
  }),
  "conversation.created": conversationData,
  "conversation.updated": conversationData.extend({
    /** What the change touched: status, assignee, unread_count. */
    changed: z.array(z.string()),
  }),
} as const;

export type CallbackEventType = keyof typeof CALLBACK_DATA;
export const CALLBACK_EVENT_TYPES = Object.keys(CALLBACK_DATA) as [CallbackEventType, ...CallbackEventType[]];
export const CallbackEventTypeSchema = z.enum(CALLBACK_EVENT_TYPES);

const envelope = {
  /** Unique per event and stable across redeliveries: the tenant deduplicates on it. */
  id: z.uuid(),
  account_id: z.uuid(),
  created_at: iso,
  /** Events of one key reach an endpoint in order (a message's statuses share the message id). */
  ordering_key: z.string().min(1).max(200),
};

const variants = CALLBACK_EVENT_TYPES.map((type) =>
  z.object({ ...envelope, type: z.literal(type), data: CALLBACK_DATA[type] }),
) as unknown as [z.ZodObject, ...z.ZodObject[]];

/** One callback event as published on CALLBACK_TOPIC and as POSTed to a tenant. */
export const callbackEventSchema = z.discriminatedUnion("type", variants) as unknown as z.ZodType<CallbackEvent>;

export type CallbackEvent = {
  [T in CallbackEventType]: {
    id: string;
    account_id: string;
    created_at: string;
    ordering_key: string;
    type: T;
    data: z.infer<(typeof CALLBACK_DATA)[T]>;
  };
}[CallbackEventType];

/** Several events in one publish: producers emit what one batch of theirs caused at once. */
export const callbackBatchSchema = z.object({ events: z.array(callbackEventSchema).min(1).max(1_000) });
export type CallbackBatch = z.infer<typeof callbackBatchSchema>;

/**
 * A UUID derived from what identifies the event (for instance the message id and its new status),
 * so a producer that emits the same fact twice (a redelivered receipt, a replayed batch) emits the
 * same id and the endpoint's delivery log keeps one of them.
 */
export function stableEventId(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  // Version 8 (custom) UUID layout: the variant bits make it a valid RFC 9562 UUID.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Builds an event of one type; `data` is checked against that type's schema. */
export function callbackEvent<T extends CallbackEventType>(
  type: T,
  fields: {
    id: string;
    accountId: string;
    orderingKey: string;
    createdAt?: Date;
    data: z.input<(typeof CALLBACK_DATA)[T]>;
  },
): CallbackEvent {
  return {
    id: fields.id,
    account_id: fields.accountId,
    created_at: (fields.createdAt ?? new Date()).toISOString(),
    ordering_key: fields.orderingKey,
    type,
    data: CALLBACK_DATA[type].parse(fields.data),
  } as CallbackEvent;
}

/** A channel's status changed (by the account, or by the platform: a drained channel comes to rest paused). */
export function channelStatusCallback(accountId: string, channelId: string, status: string, at: Date): CallbackEvent {
  return callbackEvent("channel.status", {
    id: stableEventId("channel.status", channelId, status, String(at.getTime())),
    accountId,
    orderingKey: `channel:${channelId}`,
    createdAt: at,
    data: { channel_id: channelId, status },
  });
}

/** How producers hand callback events over (the Dapr publisher in production; a no-op when unwired). */
export interface CallbackEmitter {
  emit(events: readonly CallbackEvent[]): Promise<void>;
}
