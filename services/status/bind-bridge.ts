/**
 * Providers with a persistent connection (an SMPP bind) deliver receipts and inbound messages on
 * the channel actor's connection, not over HTTP. Their adapters offer onReceipt/onInbound; the
 * events are handed here and travel the same topics as webhooks, so one consumer applies every
 * receipt. A receipt matched on the connection carries our message id (a multi-part SMS has one
 * provider id per part). Receipts are batched per channel (BindEventForwarder). A listener's
 * promise resolves once its event is on the broker, and the bind answers the provider only then;
 * while the forwarder cannot publish, the binds refuse what arrives with a temporary error, and the
 * SMSC redelivers it. What does not fit the event schema is answered as taken and left out: a
 * redelivery would not fit either.
 */

import { randomUUID } from "node:crypto";
import { providerKey } from "../../adapters/contract/plugin.js";
import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import type { Logger } from "../../core/logger.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { EventPublisher } from "../../core/publisher.js";
import { newTraceparent } from "../../core/trace.js";
import { WEBHOOK_TOPICS, inboundEventSchema, messageStatusBatchEventSchema } from "../../core/webhooks/events.js";
import { BindEventForwarder, type BindReceipt } from "./bind-forwarder.js";

interface Origin {
  channelType: ChannelType;
  provider: string;
}

export function bridgeBindEvents(
  adapters: AdapterRegistry,
  publisher: EventPublisher,
  log: Logger,
): BindEventForwarder | undefined {
  const connected = adapters
    .list()
    .map((p) => ({
      origin: { channelType: p.channelType, provider: providerKey(p) },
      adapter: adapters.get(p.channelType, p.provider),
    }))
    .filter(({ adapter }) => adapter.onReceipt !== undefined || adapter.onInbound !== undefined);
  if (connected.length === 0) return undefined;

  // Receipts are batched per channel, so the batch's event learns its origin from the channel.
  const originOf = new Map<string, Origin>();
  const base = (channelId: string, origin: Origin | undefined) => ({
    eventId: randomUUID(),
    channelId,
    channelType: origin?.channelType,
    provider: origin?.provider,
    receivedAt: new Date().toISOString(),
    traceparent: newTraceparent(),
  });
  const forwarder = new BindEventForwarder({
    publish: (topic, event) => publisher.publish(topic, event),
    receiptEvent: (channelId, receipts) =>
      messageStatusBatchEventSchema.parse({ ...base(channelId, originOf.get(channelId)), receipts }),
    statusTopic: WEBHOOK_TOPICS.status,
    log,
  });
  for (const { origin, adapter } of connected) {
    adapter.takeBindEventsWhile?.(() => forwarder.accepting);
    adapter.onReceipt?.((channelId, update) => {
      originOf.set(channelId, origin);
      const messageId = typeof update.metadata.messageId === "string" ? update.metadata.messageId : undefined;
      const receipt: BindReceipt = { update, messageId };
      const parsed = messageStatusBatchEventSchema.shape.receipts.element.safeParse(receipt);
      if (parsed.success) return forwarder.receipt(channelId, parsed.data);
      log.warn(
        { channelId, issues: parsed.error.issues.slice(0, 3) },
        "receipt from the bind does not fit the event schema; left out",
      );
      return Promise.resolve();
    });
    adapter.onInbound?.((channelId, message) => {
      const parsed = inboundEventSchema.safeParse({ ...base(channelId, origin), message });
      if (parsed.success) return forwarder.event(WEBHOOK_TOPICS.inbound, parsed.data, "inbound message");
      log.warn(
        { channelId, issues: parsed.error.issues.slice(0, 3) },
        "inbound message from the bind does not fit the event schema; left out",
      );
      return Promise.resolve();
    });
  }
  return forwarder;
}
