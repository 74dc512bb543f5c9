/**
 * Conversations the idle timer closed, announced as a PATCH close is: conversation.updated on
 * pub/sub (changed: status) and the tenants' conversation.updated callbacks, which the closing
 * transaction staged (a failed publish is delivered by the sweep from the outbox).
 */

import { randomUUID } from "node:crypto";
import { CALLBACK_TOPIC, type CallbackEvent } from "../../core/callbacks/events.js";
import type { Logger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import { CONVERSATION_TOPICS, conversationUpdatedEventSchema } from "../../core/webhooks/conversation-events.js";
import { conversationSnapshotOf } from "../../db/conversations/snapshot.js";
import type { ConversationRow } from "../../db/schema.js";

export function publishIdleClosed(publisher: EventPublisher, log: Logger) {
  return async (closed: readonly ConversationRow[], callbacks: readonly CallbackEvent[]): Promise<void> => {
    const warn = (topic: string) => (err: unknown) => {
      log.warn({ err: err instanceof Error ? err.message : String(err), topic }, "publish after the idle close failed");
    };
    for (const row of closed) {
      const event = conversationUpdatedEventSchema.parse({
        eventId: randomUUID(),
        occurredAt: row.updatedAt.toISOString(),
        accountId: row.accountId,
        type: CONVERSATION_TOPICS.updated,
        conversation: conversationSnapshotOf(row),
        changed: ["status"],
      });
      await publisher.publish(CONVERSATION_TOPICS.updated, event).catch(warn(CONVERSATION_TOPICS.updated));
    }
    for (let i = 0; i < callbacks.length; i += 500)
      await publisher.publish(CALLBACK_TOPIC, { events: callbacks.slice(i, i + 500) }).catch(warn(CALLBACK_TOPIC));
  };
}
