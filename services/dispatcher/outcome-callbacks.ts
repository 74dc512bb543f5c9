/**
 * Sends the dispatcher recorded, as `message.status` callbacks: sending → sent and sending →
 * failed (a retry back to queued is the platform's business, not a status the tenant acts on).
 * The id is derived from the message and its new status, as the status consumer's are. `of` runs
 * in the outcomes' transaction, which stages the events; `emitter` publishes them once committed.
 */

import { callbackEvent, stableEventId, type CallbackEmitter, type CallbackEvent } from "../../core/callbacks/events.js";
import type { AccountOutcome } from "../../db/messages/status-writes.js";

export function outcomeCallbacks(
  emitter: CallbackEmitter,
  channelId: string,
  campaignOf: (messageId: string) => string | null,
) {
  return {
    emitter,
    of: (moved: readonly AccountOutcome[]): CallbackEvent[] =>
      moved.flatMap((o) =>
        o.status === "queued"
          ? []
          : [
              callbackEvent("message.status", {
                id: stableEventId("message.status", o.id, o.status),
                accountId: o.accountId,
                orderingKey: `message:${o.id}`,
                data: {
                  message_id: o.id,
                  channel_id: channelId,
                  from_status: "sending",
                  status: o.status,
                  group_message_id: campaignOf(o.id),
                  error_code: o.status === "failed" ? o.errorCode : null,
                },
              }),
            ],
      ),
  };
}
