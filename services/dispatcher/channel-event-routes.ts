/**
 * Subscription routes for the events that wake a channel's ChannelActor: message.dispatch.{type}
 * (one route serves every channel type) and channel.updated. A dispatch event is answered at once
 * and becomes a `nudge` of its channel's actor, coalesced per channel (CoalescingNudger: why the
 * event does not wait for the turn), and the actor pulls the channel's due messages itself; an
 * update makes it `refresh`, and a failed refresh is a RETRY: the event comes back with backoff.
 * Mount under /events.
 */

import express, { Router } from "express";
import type { Logger } from "../../core/logger.js";
import { channelUpdatedSchema, dispatchNudgeSchema } from "../../core/dispatch/events.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { subscriptionRoute } from "../runtime/pubsub-handler.js";
import { CoalescingNudger } from "./coalescing-nudger.js";

export function channelEventRoutes(actors: ActorInvoker, log: Logger): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "1mb",
  });

  const nudges = new CoalescingNudger((channelId) => actors.invoke("ChannelActor", channelId, "nudge", {}), log);

  r.post(
    "/dispatch",
    json,
    subscriptionRoute(
      dispatchNudgeSchema,
      async (e) => {
        nudges.nudge(e.channelId);
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
