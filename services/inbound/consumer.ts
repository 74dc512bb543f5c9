/**
 * The webhook.inbound consumer: inbound messages from the webhook
 * receivers and SMPP binds become messages (direction inbound) linked to their channel, account,
 * contact (found or created by address) and conversation; opt-out keywords mark the sender.
 * After the commit, each stored message is published as message.received, each conversation
 * it started as conversation.created and each closed or pending one it reopened as
 * conversation.updated (best effort: a failed publish is logged, the rows stand; their callbacks
 * were staged in the outbox with the rows).
 *
 * Deliveries handled concurrently are gathered per channel (MicroBatcher), so a burst costs one
 * transaction per batch. Everything is idempotent: a redelivered event finds its message already
 * stored (uq_messages_inbound_provider_id) and changes nothing.
 *
 *   stored / duplicate / part kept (a long SMS waiting for its other parts) → SUCCESS
 *   unknown channel                                                         → dead letter
 *   database error                                                          → RETRY
 *   media fetch failure a retry may mend (services/inbound/media-fetch.ts)  → RETRY
 */

import express, { Router } from "express";
import {
  conversationCreatedCallback,
  conversationUpdatedCallback,
} from "../../core/callbacks/conversation-callbacks.js";
import { callbackEvent, stableEventId, type CallbackEmitter, type CallbackEvent } from "../../core/callbacks/events.js";
import type { Logger } from "../../core/logger.js";
import { MicroBatcher } from "../../core/micro-batcher.js";
import { inboundEventSchema, type InboundEvent } from "../../core/webhooks/events.js";
import { assembleParts, concatPartOf, planInbound } from "../../core/webhooks/inbound-plan.js";
import type { Database } from "../../db/client.js";
import { inboundMessages } from "../metrics.js";
import { PermanentEventError, subscriptionRoute } from "../runtime/pubsub-handler.js";
import { randomUUID } from "node:crypto";
import type { EventPublisher } from "../../core/publisher.js";
import {
  CONVERSATION_TOPICS,
  conversationCreatedEventSchema,
  conversationUpdatedEventSchema,
  messageReceivedEventSchema,
} from "../../core/webhooks/conversation-events.js";
import { conversationSnapshotOf } from "../../db/conversations/snapshot.js";
import {
  inboundKey,
  InboundStore,
  type ApplyResult,
  type InboundChannel,
  type PartRow,
  type ReadyInbound,
} from "../../db/conversations/inbound-store.js";

/** What a reopening changes, as conversation.updated names it (the idle close and a PATCH name the same). */
const REOPENED = ["status"];

/**
 * message.received per stored message, conversation.created per new conversation and
 * conversation.updated per reopened one, after the commit.
 */
async function publishReceived(
  publisher: EventPublisher,
  log: Logger,
  ch: InboundChannel,
  applied: ApplyResult,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  const events: [string, unknown][] = [
    ...applied.createdConversations.map((c): [string, unknown] => [
      CONVERSATION_TOPICS.created,
      conversationCreatedEventSchema.parse({
        eventId: randomUUID(),
        occurredAt: at,
        accountId: ch.accountId,
        type: CONVERSATION_TOPICS.created,
        conversation: conversationSnapshotOf(c),
      }),
    ]),
    ...applied.reopenedConversations.map((c): [string, unknown] => [
      CONVERSATION_TOPICS.updated,
      conversationUpdatedEventSchema.parse({
        eventId: randomUUID(),
        occurredAt: c.updatedAt.toISOString(),
        accountId: ch.accountId,
        type: CONVERSATION_TOPICS.updated,
        conversation: conversationSnapshotOf(c),
        changed: REOPENED,
      }),
    ]),
    ...applied.received.map((m): [string, unknown] => [
      CONVERSATION_TOPICS.messageReceived,
      messageReceivedEventSchema.parse({
        eventId: randomUUID(),
        occurredAt: at,
        accountId: ch.accountId,
        type: CONVERSATION_TOPICS.messageReceived,
        message: {
          id: m.id,
          createdAt: m.createdAt.toISOString(),
          channelId: ch.id,
          channelType: ch.channelType,
          conversationId: m.conversationId,
          contactId: m.contactId,
          from: m.from,
          text: m.text,
          providerMessageId: m.providerMessageId,
        },
      }),
    ]),
  ];
  for (const [topic, event] of events)
    await publisher.publish(topic, event).catch((err: unknown) => {
      log.warn({ err: err instanceof Error ? err.message : String(err), topic }, "publish after the commit failed");
    });
}

export type InboundResult = "stored" | "duplicate" | "part" | "no_channel";

export interface InboundConsumerOptions {
  maxItems?: number;
  maxWaitMs?: number;
}

interface Item {
  event: InboundEvent;
  traceId: string | null;
}

const PART_RETENTION_MS = 86_400_000;
const PRUNE_EVERY_MS = 10 * 60_000;

export function createInboundConsumer(deps: {
  db: Database;
  log: Logger;
  /** Where message.received and conversation.created go; without it they are not published. */
  publisher?: EventPublisher;
  options?: InboundConsumerOptions;
  now?: () => number;
  /** Where stored inbound messages go as `message.received` callbacks; none when absent. */
  callbacks?: CallbackEmitter;
}) {
  const store = new InboundStore(deps.db);
  const now = deps.now ?? Date.now;
  let prunedAt = 0;

  const applyBatch = async (channelId: string, items: Item[]): Promise<InboundResult[]> => {
    const ch = await store.loadChannel(channelId);
    if (!ch) return items.map(() => "no_channel");
    const ready: (ReadyInbound | undefined)[] = items.map(() => undefined);
    const parts: (PartRow & { i: number })[] = [];
    items.forEach(({ event, traceId }, i) => {
      const m = event.message;
      const plan = planInbound(ch.channelType, m);
      const concat = concatPartOf(m);
      const base: ReadyInbound = {
        providerMessageId: m.providerMessageId,
        address: plan.address,
        participantTo: plan.participantTo,
        text: m.text,
        receivedAt: new Date(m.receivedAt),
        name: plan.name,
        metadata: { ...m.metadata, provider: event.provider, content_type: m.contentType, to: m.to },
        traceId,
      };
      if (concat)
        parts.push({
          i,
          sender: plan.address,
          ref: concat.ref,
          part: concat.part,
          total: concat.total,
          providerMessageId: m.providerMessageId,
          body: m.text,
          receivedAt: base.receivedAt,
        });
      else ready[i] = withKeyword(base, plan.keyword);
    });
    const results: InboundResult[] = items.map(() => "part");
    await assemble(store, ch, parts, items, ready);
    const todo = ready.flatMap((r, i) => (r ? [{ r, i }] : []));
    // The callbacks of the stored messages and created conversations are staged with them and published once they are committed.
    let callbacks: readonly CallbackEvent[] = [];
    const applied = await store.apply(
      ch,
      todo.map((t) => t.r),
      new Date(now()),
      deps.callbacks &&
        ((stored, created, reopened) =>
          (callbacks = [
            ...created.map((c) => conversationCreatedCallback(ch.accountId, conversationSnapshotOf(c), c.createdAt)),
            ...reopened.map((c) =>
              conversationUpdatedCallback(ch.accountId, conversationSnapshotOf(c), REOPENED, c.updatedAt),
            ),
            ...stored.map((r) => receivedCallback(ch, r)),
          ])),
    );
    if (deps.publisher) await publishReceived(deps.publisher, deps.log, ch, applied, new Date(now()));
    if (applied.optedOut > 0) inboundMessages.inc({ channel_type: ch.channelType, kind: "opt_out" }, applied.optedOut);
    if (applied.optedIn > 0) inboundMessages.inc({ channel_type: ch.channelType, kind: "opt_in" }, applied.optedIn);
    // Parts of one long message share its row: the part that completed it reports it, the others "part".
    for (const { r, i } of todo)
      results[i] = applied.inserted.has(inboundKey(r.providerMessageId, r.receivedAt)) ? "stored" : "duplicate";
    if (deps.callbacks && callbacks.length > 0) await deps.callbacks.emit(callbacks);
    if (now() - prunedAt > PRUNE_EVERY_MS) {
      prunedAt = now();
      await store
        .pruneParts(new Date(now() - PART_RETENTION_MS))
        .catch((err: unknown) =>
          deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "pruning inbound parts failed"),
        );
    }
    return results;
  };

  const batcher = new MicroBatcher<string, Item, InboundResult>({
    maxItems: deps.options?.maxItems ?? 200,
    maxWaitMs: deps.options?.maxWaitMs ?? 5,
    flush: applyBatch,
  });

  async function handle(event: InboundEvent, traceId: string | null = null): Promise<InboundResult> {
    const result = await batcher.add(event.channelId, { event, traceId });
    inboundMessages.inc({ channel_type: event.channelType, kind: result });
    if (result === "no_channel")
      throw new PermanentEventError(
        `inbound message ${event.message.providerMessageId} for unknown channel ${event.channelId}`,
      );
    return result;
  }

  return { handle };
}

function withKeyword(base: ReadyInbound, keyword: ReturnType<typeof planInbound>["keyword"]): ReadyInbound {
  return keyword ? { ...base, keyword: { address: base.address, at: base.receivedAt, ...keyword } } : base;
}

/**
 * Stores the parts of long messages and turns each message whose parts are all in into one ready
 * message, placed at the first of its parts in this batch.
 */
async function assemble(
  store: InboundStore,
  ch: InboundChannel,
  parts: (PartRow & { i: number })[],
  items: Item[],
  ready: (ReadyInbound | undefined)[],
): Promise<void> {
  if (parts.length === 0) return;
  const stored = await store.addParts(ch.id, parts);
  const groups = new Map<string, PartRow[]>();
  for (const p of stored) {
    const k = `${p.sender}\u0000${p.ref}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const placed = new Set<string>();
  for (const p of parts) {
    const k = `${p.sender}\u0000${p.ref}`;
    const whole = assembleParts(groups.get(k) ?? []);
    if (!whole || placed.has(k)) continue;
    placed.add(k);
    const m = items[p.i]!.event.message;
    const plan = planInbound(ch.channelType, { ...m, text: whole.text });
    ready[p.i] = withKeyword(
      {
        providerMessageId: whole.providerMessageId,
        address: plan.address,
        participantTo: plan.participantTo,
        text: whole.text,
        receivedAt: whole.receivedAt,
        name: plan.name,
        metadata: {
          ...m.metadata,
          provider: items[p.i]!.event.provider,
          content_type: m.contentType,
          to: m.to,
          parts: groups.get(k)!.length,
        },
        traceId: items[p.i]!.traceId,
      },
      plan.keyword,
    );
  }
}

/** A stored inbound message as the tenant's `message.received` callback; one id per provider message. */
function receivedCallback(ch: InboundChannel, r: ReadyInbound) {
  return callbackEvent("message.received", {
    id: stableEventId("message.received", ch.id, r.providerMessageId, String(r.receivedAt.getTime())),
    accountId: ch.accountId,
    orderingKey: `conversation:${ch.id}:${r.address}`,
    data: {
      channel_id: ch.id,
      channel_type: ch.channelType,
      from: r.address,
      to: r.participantTo,
      text: r.text,
      provider_message_id: r.providerMessageId,
      received_at: r.receivedAt.toISOString(),
    },
  });
}

/**
 * POST /events/webhook-inbound (declarative subscription to webhook.inbound; not bulk: inbound
 * traffic is far below receipts', and concurrent deliveries are batched here anyway). With `media`,
 * the message's media references are fetched into the media store before the delivery is
 * acknowledged. Mount under /events.
 */
export function inboundRoutes(
  consumer: { handle(e: InboundEvent, traceId?: string | null): Promise<InboundResult> },
  log: Logger,
  media?: { fetchFor(e: InboundEvent): Promise<unknown> },
): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "1mb",
  });
  r.post(
    "/webhook-inbound",
    json,
    subscriptionRoute(
      inboundEventSchema,
      async (e, ctx) => {
        const result = await consumer.handle(e, ctx.traceId);
        // After the message is stored, so a failed fetch (RETRY) redelivers to a "duplicate" and
        // only the fetch runs again.
        if (media && (result === "stored" || result === "duplicate")) await media.fetchFor(e);
        return "SUCCESS";
      },
      log,
    ),
  );
  return r;
}
