/**
 * Consumers of the group message and scheduled message lifecycle events. Each
 * event becomes one call to the actor that owns the group message or schedule; the actors are
 * idempotent, so a redelivered event changes nothing. Mount under /events.
 */

import express, { Router } from "express";
import { groupMessageEventSchema, scheduledMessageEventSchema } from "../../core/events.js";
import type { Logger } from "../../core/logger.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { subscriptionRoute } from "../runtime/pubsub-handler.js";

export function campaignRoutes(actors: ActorInvoker, log: Logger): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "1mb",
  });

  r.post(
    "/group-message-queued",
    json,
    subscriptionRoute(
      groupMessageEventSchema,
      async (e, ctx) => {
        await actors.invoke("CampaignActor", e.groupMessageId, "start", { traceId: ctx.traceId });
      },
      log,
    ),
  );

  r.post(
    "/group-message-cancelled",
    json,
    subscriptionRoute(
      groupMessageEventSchema,
      async (e) => {
        await actors.invoke("CampaignActor", e.groupMessageId, "stop", {});
      },
      log,
    ),
  );

  r.post(
    "/scheduled-message",
    json,
    subscriptionRoute(
      scheduledMessageEventSchema,
      async (e) => {
        const reason =
          e.type === "scheduled_message.created"
            ? "created"
            : e.type === "scheduled_message.resumed"
              ? "resumed"
              : "updated";
        await actors.invoke("ScheduleActor", e.scheduledMessageId, "sync", { reason });
      },
      log,
    ),
  );
  return r;
}
