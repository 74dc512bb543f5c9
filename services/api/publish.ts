/**
 * Events leave after the database commit. If the broker refuses one, the row is still the record
 * of intent (a queued message, a queued group message): the dispatcher's sweep finds queued rows
 * whose event was lost and nudges their channel again. So a failed publish is logged and the
 * request still succeeds; it is never rolled back.
 */

import { randomUUID } from "node:crypto";
import { CALLBACK_TOPIC, type CallbackEvent } from "../../core/callbacks/events.js";
import { CHANNEL_UPDATED_TOPIC, channelUpdatedSchema } from "../../core/dispatch/events.js";
import {
  groupMessageEventSchema,
  messageCreatedEventSchema,
  scheduledMessageEventSchema,
  topicFor,
  type DomainEvent,
  type GroupMessageEvent,
  type ScheduledMessageEvent,
} from "../../core/events.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { ConversationRow, GroupMessageRow, MessageRow, ScheduledMessageRow } from "../../db/schema.js";
import { CONVERSATION_TOPICS, conversationUpdatedEventSchema } from "../../core/webhooks/conversation-events.js";
import { conversationSnapshotOf } from "../../db/conversations/snapshot.js";
import type { Ctx } from "./context.js";

async function publish(ctx: Ctx, topic: string, event: object, traceparent: string | undefined): Promise<boolean> {
  try {
    await ctx.publisher.publish(topic, event, { traceparent });
    return true;
  } catch (err) {
    ctx.logger.warn({ err, topic, event }, "event publish failed after commit; the row stays as the record of intent");
    return false;
  }
}

const envelope = (accountId: string, now: Date, traceparent: string | undefined) => ({
  eventId: randomUUID(),
  occurredAt: now.toISOString(),
  accountId,
  ...(traceparent ? { traceparent } : {}),
});

export function publishEvent(ctx: Ctx, event: DomainEvent): Promise<boolean> {
  return publish(ctx, topicFor(event), event, event.traceparent);
}

export function messageCreated(ctx: Ctx, row: MessageRow, now: Date, traceparent?: string): Promise<boolean> {
  const event = messageCreatedEventSchema.parse({
    ...envelope(row.accountId, now, traceparent),
    type: "message.created",
    messageId: row.id,
    createdAt: row.createdAt.toISOString(),
    channelId: row.channelId,
    channelType: row.channelType as ChannelType,
    priority: row.priority,
    groupMessageId: row.groupMessageId,
  });
  return publishEvent(ctx, event);
}

export function groupMessageEvent(
  ctx: Ctx,
  type: GroupMessageEvent["type"],
  row: GroupMessageRow,
  now: Date,
  traceparent?: string,
): Promise<boolean> {
  const event = groupMessageEventSchema.parse({
    ...envelope(row.accountId, now, traceparent),
    type,
    groupMessageId: row.id,
    channelId: row.channelId,
    status: row.status,
  });
  return publishEvent(ctx, event);
}

export function scheduledMessageEvent(
  ctx: Ctx,
  type: ScheduledMessageEvent["type"],
  row: ScheduledMessageRow,
  now: Date,
  traceparent?: string,
): Promise<boolean> {
  const event = scheduledMessageEventSchema.parse({
    ...envelope(row.accountId, now, traceparent),
    type,
    scheduledMessageId: row.id,
    status: row.status,
    nextTriggerAt: row.nextTriggerAt?.toISOString() ?? null,
  });
  return publishEvent(ctx, event);
}

/**
 * Callback events the request's change staged in the outbox (a channel's `channel.status`, a
 * cancelled campaign's `campaign.completed`), published after the commit; the sweep delivers them
 * if this publish is lost.
 */
export function stagedCallbacksCommitted(ctx: Ctx, events: readonly CallbackEvent[]) {
  return publish(ctx, CALLBACK_TOPIC, { events }, undefined);
}

/** Channel settings changed: channel actors drop their cached credentials and limits. */
export function channelUpdated(ctx: Ctx, channelId: string, traceparent?: string): Promise<boolean> {
  return publish(ctx, CHANNEL_UPDATED_TOPIC, channelUpdatedSchema.parse({ channelId, traceparent }), traceparent);
}

/** A conversation's status, assignee or read marker changed (conversation.updated). */
export function conversationUpdated(
  ctx: Ctx,
  row: ConversationRow,
  changed: string[],
  now: Date,
  traceparent?: string,
): Promise<boolean> {
  const event = conversationUpdatedEventSchema.parse({
    ...envelope(row.accountId, now, traceparent),
    type: CONVERSATION_TOPICS.updated,
    conversation: conversationSnapshotOf(row),
    changed,
  });
  return publish(ctx, CONVERSATION_TOPICS.updated, event, traceparent);
}
