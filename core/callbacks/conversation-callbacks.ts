/**
 * A conversation's creation and changes as callback events, from the snapshot its pub/sub events
 * carry. Creation has one id per conversation; a change's id is derived from the conversation,
 * what changed and when, so the same change staged and also published is delivered once. Both go
 * out in order per conversation.
 */

import type { ConversationSnapshot } from "../webhooks/conversation-events.js";
import { callbackEvent, stableEventId, type CallbackEvent } from "./events.js";

function dataOf(c: ConversationSnapshot) {
  return {
    conversation_id: c.id,
    channel_id: c.channelId,
    channel_type: c.channelType,
    participant_from: c.participantFrom,
    participant_to: c.participantTo,
    contact_id: c.contactId,
    status: c.status,
    assignee: c.assignee,
    unread_count: c.unreadCount,
    last_message_at: c.lastMessageAt,
    last_inbound_at: c.lastInboundAt,
  };
}

export function conversationCreatedCallback(accountId: string, c: ConversationSnapshot, at: Date): CallbackEvent {
  return callbackEvent("conversation.created", {
    id: stableEventId("conversation.created", c.id),
    accountId,
    orderingKey: `conversation:${c.id}`,
    createdAt: at,
    data: dataOf(c),
  });
}

export function conversationUpdatedCallback(
  accountId: string,
  c: ConversationSnapshot,
  changed: readonly string[],
  at: Date,
): CallbackEvent {
  return callbackEvent("conversation.updated", {
    id: stableEventId("conversation.updated", c.id, [...changed].sort().join(","), c.status, String(at.getTime())),
    accountId,
    orderingKey: `conversation:${c.id}`,
    createdAt: at,
    data: { ...dataOf(c), changed: [...changed] },
  });
}
