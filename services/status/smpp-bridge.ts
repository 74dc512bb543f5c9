import { randomUUID } from "node:crypto";
import type { AdapterRegistry } from "../../adapters/core/registry.js";
import type { InboundMessage, StatusUpdate } from "../../adapters/core/types.js";
import { SmppAdapter } from "../../adapters/smpp/adapter.js";
import type { Logger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import { newTraceparent } from "../../core/trace.js";
import { WEBHOOK_TOPICS, inboundEventSchema, messageStatusEventSchema } from "../../core/webhooks/events.js";

/**
 * SMPP delivery receipts and MO messages arrive on the channel actor's bind, not over HTTP. The
 * bind's session hands them here and they travel the same topics as webhooks, so one consumer
 * applies every receipt. A receipt matched on the bind carries our message id (a multi-part SMS
 * has one provider id per part). The SMSC does not wait for us: a failed publish is retried a
 * few times with backoff, then logged as lost (the SMSC's receipt was already acknowledged).
 */
const ATTEMPTS = 5;

export function bridgeSmppEvents(adapters: AdapterRegistry, publisher: EventPublisher, log: Logger): void {
  const adapter = adapters.get("smpp");
  if (!(adapter instanceof SmppAdapter)) return;
  const base = (channelId: string) => ({
    eventId: randomUUID(),
    channelId,
    channelType: "smpp" as const,
    provider: "smpp",
    receivedAt: new Date().toISOString(),
    traceparent: newTraceparent(),
  });
  const send = (topic: string, event: object, what: string) => {
    void (async () => {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        try {
          await publisher.publish(topic, event);
          return;
        } catch (err) {
          if (attempt === ATTEMPTS) {
            log.error({ topic, err: err instanceof Error ? err.message : String(err) }, `SMPP ${what} could not be published; lost`);
            return;
          }
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    })();
  };
  adapter.onReceipt((channelId: string, update: StatusUpdate) => {
    const messageId = typeof update.metadata.messageId === "string" ? update.metadata.messageId : undefined;
    const parsed = messageStatusEventSchema.safeParse({ ...base(channelId), update, messageId });
    if (parsed.success) send(WEBHOOK_TOPICS.status, parsed.data, "receipt");
    else log.warn({ channelId, issues: parsed.error.issues.slice(0, 3) }, "SMPP receipt does not fit the event schema; left out");
  });
  adapter.onInbound((channelId: string, message: InboundMessage) => {
    const parsed = inboundEventSchema.safeParse({ ...base(channelId), message });
    if (parsed.success) send(WEBHOOK_TOPICS.inbound, parsed.data, "inbound message");
    else log.warn({ channelId, issues: parsed.error.issues.slice(0, 3) }, "SMPP inbound message does not fit the event schema; left out");
  });
}
