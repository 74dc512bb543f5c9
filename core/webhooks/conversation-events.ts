/**
 * Events of two-way messaging, published on Dapr pub/sub for whoever follows a tenant's threads
 * (the tenant event callbacks among them): a conversation created (its first inbound message) or
 * updated (status, assignee, read marker, reopened), and an inbound message stored. Each carries
 * an event id for dedupe, the account, and a snapshot of the row as it is after the change.
 */

import { z } from "zod";
import { ChannelType } from "../messages/vocabulary.js";

export const CONVERSATION_TOPICS = {
  created: "conversation.created",
  updated: "conversation.updated",
  messageReceived: "message.received",
} as const;

const envelope = {
  /** Unique per event; a redelivery carries the same one. */
  eventId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
  accountId: z.uuid(),
  traceparent: z.string().optional(),
};

export const conversationSnapshot = z.object({
  id: z.uuid(),
  channelId: z.uuid(),
  channelType: ChannelType,
  /** The customer's address. */
  participantFrom: z.string(),
  /** Our side: the number, bot or page written to. */
  participantTo: z.string(),
  contactId: z.uuid().nullable(),
  status: z.enum(["open", "pending", "closed"]),
  assignee: z.string().nullable(),
  unreadCount: z.number().int().min(0),
  lastMessageAt: z.iso.datetime({ offset: true }).nullable(),
  lastInboundAt: z.iso.datetime({ offset: true }).nullable(),
});
export type ConversationSnapshot = z.infer<typeof conversationSnapshot>;

export const conversationCreatedEventSchema = z.object({
  ...envelope,
  type: z.literal(CONVERSATION_TOPICS.created),
  conversation: conversationSnapshot,
});
export type ConversationCreatedEvent = z.infer<typeof conversationCreatedEventSchema>;

export const conversationUpdatedEventSchema = z.object({
  ...envelope,
  type: z.literal(CONVERSATION_TOPICS.updated),
  conversation: conversationSnapshot,
  /** The fields the change touched (status, assignee, unread_count). */
  changed: z.array(z.string()),
});
export type ConversationUpdatedEvent = z.infer<typeof conversationUpdatedEventSchema>;

export const messageReceivedEventSchema = z.object({
  ...envelope,
  type: z.literal(CONVERSATION_TOPICS.messageReceived),
  message: z.object({
    id: z.uuid(),
    createdAt: z.iso.datetime({ offset: true }),
    channelId: z.uuid(),
    channelType: ChannelType,
    conversationId: z.uuid().nullable(),
    contactId: z.uuid().nullable(),
    from: z.string(),
    text: z.string(),
    providerMessageId: z.string(),
  }),
});
export type MessageReceivedEvent = z.infer<typeof messageReceivedEventSchema>;
