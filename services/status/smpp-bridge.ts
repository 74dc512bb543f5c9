import { randomUUID } from "node:crypto";
import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import type { InboundMessage, StatusUpdate } from "../../core/messages/vocabulary.js";
import { SmppAdapter } from "../../adapters/smpp/adapter.js";
import type { Logger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import { newTraceparent } from "../../core/trace.js";
import { WEBHOOK_TOPICS, inboundEventSchema, messageStatusBatchEventSchema } from "../../core/webhooks/events.js";
import { BindEventForwarder, type BindReceipt } from "./bind-forwarder.js";

/**
 * SMPP delivery receipts and MO messages arrive on the channel actor's bind, not over HTTP. The
 * bind's session hands them here and they travel the same topics as webhooks, so one consumer
 * applies every receipt. A receipt matched on the bind carries our message id (a multi-part SMS
 * has one provider id per part). Receipts are batched per channel (BindEventForwarder).
 */
export function bridgeSmppEvents(adapters: AdapterRegistry, publisher: EventPublisher, log: Logger): BindEventForwarder | undefined {
  const adapter = adapters.get("smpp");
  if (!(adapter instanceof SmppAdapter)) return undefined;
  const base = (channelId: string) => ({
    eventId: randomUUID(),
    channelId,
    channelType: "smpp" as const,
    provider: "smpp",
    receivedAt: new Date().toISOString(),
    traceparent: newTraceparent(),
  });
  const forwarder = new BindEventForwarder({
    publish: (topic, event) => publisher.publish(topic, event),
    receiptEvent: (channelId, receipts) => messageStatusBatchEventSchema.parse({ ...base(channelId), receipts }),
    statusTopic: WEBHOOK_TOPICS.status,
    log,
  });
  adapter.onReceipt((channelId: string, update: StatusUpdate) => {
    const messageId = typeof update.metadata.messageId === "string" ? update.metadata.messageId : undefined;
    const receipt: BindReceipt = { update, messageId };
    const parsed = messageStatusBatchEventSchema.shape.receipts.element.safeParse(receipt);
    if (parsed.success) forwarder.receipt(channelId, parsed.data);
    else log.warn({ channelId, issues: parsed.error.issues.slice(0, 3) }, "SMPP receipt does not fit the event schema; left out");
  });
  adapter.onInbound((channelId: string, message: InboundMessage) => {
    const parsed = inboundEventSchema.safeParse({ ...base(channelId), message });
    if (parsed.success) forwarder.event(WEBHOOK_TOPICS.inbound, parsed.data, "inbound message");
    else log.warn({ channelId, issues: parsed.error.issues.slice(0, 3) }, "SMPP inbound message does not fit the event schema; left out");
  });
  return forwarder;
}
