/**
 * Hands callback events to the broker (topic callback.event) in batches of at most 500, for the
 * fan-out consumer. Producers call it after their own write committed; a failed publish is
 * logged, never allowed to undo or repeat the write that caused the event (a send must not be
 * retried because its callback could not be published). Every producer staged its events in the
 * callback outbox with that write: the sweep delivers those whose publish failed
 * (services/callbacks/outbox-sweep.ts).
 */

import { CALLBACK_TOPIC, type CallbackEmitter, type CallbackEvent } from "../../core/callbacks/events.js";
import type { Logger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";

const PER_PUBLISH = 500;

export function brokerCallbackEmitter(publisher: EventPublisher, log: Logger): CallbackEmitter {
  return {
    async emit(events: readonly CallbackEvent[]) {
      for (let i = 0; i < events.length; i += PER_PUBLISH) {
        const chunk = events.slice(i, i + PER_PUBLISH);
        try {
          await publisher.publish(CALLBACK_TOPIC, { events: chunk });
        } catch (err) {
          log.warn(
            {
              events: chunk.length,
              types: [...new Set(chunk.map((e) => e.type))],
              err: err instanceof Error ? err.message : String(err),
            },
            "callback events could not be published; the sweep delivers the staged ones from the outbox",
          );
        }
      }
    },
  };
}

/** For processes and tests that emit nothing. */
export const NO_CALLBACKS: CallbackEmitter = { emit: () => Promise.resolve() };
