/**
 * Receipts the status consumer wrote, as `message.status` callback events: one per status step
 * (a batch that moved a message sent → delivered → read emits two), ordered by message, with an
 * id derived from the message and its new status so the same step emitted twice (the consumer
 * and the reconciler racing, a replay) is delivered once. They are staged in the receipts'
 * transaction and published after it commits (receipt-apply.ts).
 */

import { callbackEvent, stableEventId, type CallbackEmitter } from "../../core/callbacks/events.js";
import type { ReceiptChange, ReceiptEvent } from "../../db/messages/status-writes.js";
import type { ReceiptCallbacks } from "./receipt-apply.js";

export function receiptCallbacks(emitter: CallbackEmitter): ReceiptCallbacks {
  return {
    emitter,
    of: (channelId: string, steps: readonly ReceiptEvent[], changes: ReadonlyMap<string, ReceiptChange>) =>
      steps.map((step) => {
        const change = changes.get(step.messageId);
        return callbackEvent("message.status", {
          id: stableEventId("message.status", step.messageId, step.to),
          accountId: step.accountId,
          orderingKey: `message:${step.messageId}`,
          data: {
            message_id: step.messageId,
            channel_id: channelId,
            from_status: step.from,
            status: step.to,
            group_message_id: change?.groupMessageId ?? null,
            error_code: step.to === "failed" ? (change?.errorCode ?? null) : null,
          },
        });
      }),
  };
}
