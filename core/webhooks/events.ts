/**
 * Events between the webhook receivers (messaging-api) and their consumers (dispatcher). The
 * receiver only verifies, parses the provider's payload into the adapters' normalised
 * shapes (StatusUpdate, InboundMessage: zod is the single source) and hands them over; every
 * database write happens in the consumers. SMPP receipts and MO, which arrive on the bind rather
 * than over HTTP, travel on the same topics.
 */

import { randomUUID } from "node:crypto";
import { z } from "zod";
import { InboundMessage, StatusUpdate } from "../messages/vocabulary.js";
import { ChannelType } from "../messages/vocabulary.js";

export const WEBHOOK_TOPICS = {
  status: "message.status",
  inbound: "webhook.inbound",
} as const;

const origin = {
  /** Unique per event (a redelivery carries the same one). */
  eventId: z.uuid(),
  channelId: z.uuid(),
  channelType: ChannelType,
  provider: z.string().min(1).max(50),
  /** Known to the receiver (it loaded the channel); the SMPP bridge leaves it out. */
  accountId: z.uuid().optional(),
  /** When we received it, ISO 8601: the consumer's apply latency is measured from here. */
  receivedAt: z.iso.datetime({ offset: true }),
  traceparent: z.string().optional(),
};

export const messageStatusEventSchema = z.object({
  ...origin,
  update: StatusUpdate,
  /**
   * Our own message id when the source knows it (SMPP receipts are matched on the bind), so the
   * consumer need not look it up by provider id: a multi-part SMS has one provider id per part.
   */
  messageId: z.uuid().optional(),
});
export type MessageStatusEvent = z.infer<typeof messageStatusEventSchema>;

/**
 * Many receipts of one channel in one event: the SMPP bridge gathers the receipts a bind delivers
 * within a few milliseconds, the webhook receivers those of concurrent requests. One publish and
 * one delivery per batch instead of one per receipt, which matters where the broker confirms one
 * publish at a time (RabbitMQ) or hands a topic's events over one at a time (in-memory).
 */
export const MAX_RECEIPTS_PER_EVENT = 500;
export const messageStatusBatchEventSchema = z.object({
  ...origin,
  receipts: z
    .array(z.object({ update: StatusUpdate, messageId: z.uuid().optional() }))
    .min(1)
    .max(MAX_RECEIPTS_PER_EVENT),
});
export type MessageStatusBatchEvent = z.infer<typeof messageStatusBatchEventSchema>;

/** What arrives on message.status: one receipt, or a batch of one channel's receipts. */
export const statusTopicEventSchema = z.union([messageStatusEventSchema, messageStatusBatchEventSchema]);
export type StatusTopicEvent = z.infer<typeof statusTopicEventSchema>;

/** The single receipts a message.status event carries, each with the event's origin. */
export function receiptsOf(e: StatusTopicEvent): MessageStatusEvent[] {
  if ("update" in e) return [e];
  const { receipts, ...origin } = e;
  return receipts.map((r) => ({ ...origin, update: r.update, messageId: r.messageId }));
}

/**
 * The inverse of receiptsOf: receipts of one channel (same origin) as one batch event, timed from
 * the earliest so the consumer's apply lag is never understated. At most MAX_RECEIPTS_PER_EVENT.
 */
export function receiptBatchOf(events: readonly MessageStatusEvent[]): MessageStatusBatchEvent {
  const first = events[0]!;
  const receivedAt = events.reduce(
    (min, e) => (Date.parse(e.receivedAt) < Date.parse(min) ? e.receivedAt : min),
    first.receivedAt,
  );
  return {
    eventId: randomUUID(),
    channelId: first.channelId,
    channelType: first.channelType,
    provider: first.provider,
    accountId: first.accountId,
    receivedAt,
    traceparent: first.traceparent,
    receipts: events.map((e) => ({ update: e.update, messageId: e.messageId })),
  };
}

export const inboundEventSchema = z.object({
  ...origin,
  message: InboundMessage,
});
export type InboundEvent = z.infer<typeof inboundEventSchema>;

/**
 * The replay key of one status update: a provider retry or a replayed request carries the same
 * provider id and status, so it maps to the same key; a later status of the same message does not.
 * Watermark updates (Messenger reads) have no id: the reader and the watermark identify them.
 */
export function statusDedupKey(channelId: string, u: StatusUpdate): string {
  const subject = u.providerMessageId ?? `watermark:${u.recipient ?? ""}:${u.watermark ?? ""}`;
  // Several recipients can share one provider id (an e-mail to many); each is its own event.
  const recipient = u.providerMessageId && u.recipient ? `:${u.recipient}` : "";
  return `${channelId}:status:${u.status}:${subject}${recipient}`;
}

/** An edited message (Telegram) keeps its id but is a new event: the edit time tells them apart. */
export function inboundDedupKey(channelId: string, m: InboundMessage): string {
  const edit = m.metadata.edited === true ? `:edit:${m.receivedAt}` : "";
  return `${channelId}:inbound:${m.providerMessageId}${edit}`;
}
