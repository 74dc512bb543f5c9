/**
 * Events the messaging API hands to the broker. zod is the single
 * source: publishers build events through these schemas and consumers validate deliveries
 * against the same ones. Every event carries the W3C traceparent of the request that caused it,
 * so the dispatch pipeline logs under the same trace as the API call.
 */

import { z } from "zod";
import { ChannelType } from "./messages/vocabulary.js";

/** Topic names. Dispatch is one topic per channel type so each type scales and drains on its own. */
export const TOPICS = {
  dispatch: (channelType: ChannelType) => `message.dispatch.${channelType}` as const,
  groupMessageCreated: "group_message.created",
  groupMessageQueued: "group_message.queued",
  groupMessageCancelled: "group_message.cancelled",
  scheduledMessageCreated: "scheduled_message.created",
  scheduledMessageUpdated: "scheduled_message.updated",
  scheduledMessageCancelled: "scheduled_message.cancelled",
  scheduledMessagePaused: "scheduled_message.paused",
  scheduledMessageResumed: "scheduled_message.resumed",
} as const;

const envelope = {
  /** Unique per event: consumers deduplicate redeliveries on it. */
  eventId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
  accountId: z.uuid(),
  traceparent: z.string().optional(),
};

/**
 * A message was stored with status `queued` and waits for its channel's dispatcher. `createdAt`
 * is part of the messages primary key (the table is partitioned on it), so the consumer can load
 * the row from a single partition.
 */
export const messageCreatedEventSchema = z.object({
  ...envelope,
  type: z.literal("message.created"),
  messageId: z.uuid(),
  createdAt: z.iso.datetime({ offset: true }),
  channelId: z.uuid(),
  channelType: ChannelType,
  priority: z.number().int(),
  groupMessageId: z.uuid().nullable().default(null),
});
export type MessageCreatedEvent = z.infer<typeof messageCreatedEventSchema>;

export const groupMessageEventSchema = z.object({
  ...envelope,
  type: z.enum(["group_message.created", "group_message.queued", "group_message.cancelled"]),
  groupMessageId: z.uuid(),
  channelId: z.uuid(),
  status: z.string(),
});
export type GroupMessageEvent = z.infer<typeof groupMessageEventSchema>;

export const scheduledMessageEventSchema = z.object({
  ...envelope,
  type: z.enum([
    "scheduled_message.created",
    "scheduled_message.updated",
    "scheduled_message.cancelled",
    "scheduled_message.paused",
    "scheduled_message.resumed",
  ]),
  scheduledMessageId: z.uuid(),
  status: z.string(),
  nextTriggerAt: z.iso.datetime({ offset: true }).nullable(),
});
export type ScheduledMessageEvent = z.infer<typeof scheduledMessageEventSchema>;

export type DomainEvent = MessageCreatedEvent | GroupMessageEvent | ScheduledMessageEvent;

/** The topic an event goes to: dispatch events by channel type, lifecycle events by their type. */
export function topicFor(event: DomainEvent): string {
  return event.type === "message.created" ? TOPICS.dispatch(event.channelType) : event.type;
}
