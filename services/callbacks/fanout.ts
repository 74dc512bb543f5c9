/**
 * The callback.event consumer: each event goes to the enabled endpoints of its own account that
 * take its type. Deliveries handled concurrently are gathered (MicroBatcher), so a burst costs one
 * look-up of subscribers and one insert per batch, and then one `nudge` per endpoint that got
 * deliveries: the endpoint's actor sends them (actors/callbacks/). The insert skips an (endpoint,
 * event id) pair already recorded, so a redelivered event is delivered once, and removes the
 * events from the callback outbox in the same transaction (db/callbacks/outbox.ts). The sweep
 * hands this same fan-out the outbox rows whose publish was lost (`sweepCallbackOutbox`).
 *
 *   recorded (or already recorded), endpoints nudged → SUCCESS
 *   malformed                                        → dead letter
 *   database or actor call failed                    → RETRY (recording again changes nothing)
 */

import express, { Router } from "express";
import { callbackBatchSchema, type CallbackEvent } from "../../core/callbacks/events.js";
import type { Logger } from "../../core/logger.js";
import { MicroBatcher } from "../../core/micro-batcher.js";
import type { DeliveryStore, NewDelivery } from "../../db/callbacks/delivery-store.js";
import type { EndpointStore } from "../../db/callbacks/endpoint-store.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { subscriptionRoute } from "../runtime/pubsub-handler.js";

export const CALLBACK_ACTOR = "CallbackEndpointActor";

export type CallbackFanout = ReturnType<typeof createCallbackFanout>;

export function createCallbackFanout(deps: {
  endpoints: Pick<EndpointStore, "subscribers">;
  deliveries: Pick<DeliveryStore, "enqueue">;
  nudge(endpointId: string): Promise<unknown>;
}) {
  const flush = async (_key: string, batches: CallbackEvent[][]): Promise<void[]> => {
    const events = batches.flat();
    const subscribers = await deps.endpoints.subscribers([...new Set(events.map((e) => e.account_id))]);
    const deliveries: NewDelivery[] = [];
    for (const event of events)
      for (const ep of subscribers)
        if (ep.accountId === event.account_id && ep.eventTypes.includes(event.type))
          deliveries.push({ endpointId: ep.id, event });
    // The batch's events leave the outbox with their deliveries recorded: published or swept, each is done.
    await deps.deliveries.enqueue(
      deliveries,
      events.map((e) => e.id),
    );
    // Every matched endpoint, not only those that got new rows: after a failed nudge the
    // redelivered event records nothing new, and its endpoint must still be woken.
    await Promise.all([...new Set(deliveries.map((d) => d.endpointId))].map((id) => deps.nudge(id)));
    return batches.map(() => undefined);
  };
  const batcher = new MicroBatcher<string, CallbackEvent[], void>({ maxItems: 50, maxWaitMs: 5, flush });
  return {
    handle: (events: CallbackEvent[]) => batcher.add("all", events),
  };
}

/** POST /events/callback-event (declarative subscription to callback.event). Mount under /events. */
export function callbackRoutes(fanout: ReturnType<typeof createCallbackFanout>, log: Logger): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "4mb",
  });
  r.post(
    "/callback-event",
    json,
    subscriptionRoute(callbackBatchSchema, (b) => fanout.handle(b.events), log),
  );
  return r;
}

/** Wakes an endpoint's delivery actor. */
export function actorNudge(actors: ActorInvoker): (endpointId: string) => Promise<unknown> {
  return (endpointId) => actors.invoke(CALLBACK_ACTOR, endpointId, "nudge", {});
}
