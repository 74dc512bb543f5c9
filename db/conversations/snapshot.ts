/** A conversation row as its events carry it (core/webhooks/conversation-events.ts). */

import type { ConversationSnapshot } from "../../core/webhooks/conversation-events.js";
import type { ConversationRow } from "../schema.js";

export function conversationSnapshotOf(r: ConversationRow): ConversationSnapshot {
  return {
    id: r.id,
    channelId: r.channelId,
    channelType: r.channelType as ConversationSnapshot["channelType"],
    participantFrom: r.participantFrom,
    participantTo: r.participantTo,
    contactId: r.contactId,
    status: r.status as ConversationSnapshot["status"],
    assignee: r.assignee,
    unreadCount: r.unreadCount,
    lastMessageAt: r.lastMessageAt?.toISOString() ?? null,
    lastInboundAt: r.lastInboundAt?.toISOString() ?? null,
  };
}
