/**
 * Subscription routes for the events that wake a channel's ChannelActor: message.dispatch.{type}
 * (one route serves every channel type) and channel.updated. Dispatch deliveries for the same
 * channel arriving together become one `nudge`, and the actor pulls the channel's due messages
 * itself; an update makes it `refresh`. A failed call is a RETRY: the event comes back with
 * backoff, and the sweeper covers anything that still slips through. Mount under /events.
 */

import express, { Router } from "express";
import type { Logger } from "../../core/logger.js";
import { MicroBatcher } from "../../core/micro-batcher.js";
import { channelUpdatedSchema, dispatchNudgeSchema } from "../../core/dispatch/events.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { subscriptionRoute } from "../runtime/pubsub-handler.js";

export function channelEventRoutes(actors: ActorInvoker, log: Logger): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "1mb",
  });

  const nudges = new MicroBatcher<string, true, true>({
    maxItems: 500,
    maxWaitMs: 2,
    flush: async (channelId, items) => {
      await actors.invoke("ChannelActor", channelId, "nudge", {});
      return items;
    },
  });

  r.post(
    "/dispatch",
    json,
    subscriptionRoute(
      dispatchNudgeSchema,
      async (e) => {
        await nudges.add(e.channelId, true);
      },
      log,
    ),
  );

  r.post(
    "/channel-updated",
    json,
    subscriptionRoute(
      channelUpdatedSchema,
      async (e) => {
        await actors.invoke("ChannelActor", e.channelId, "refresh", {});
      },
      log,
    ),
  );
  return r;
}
