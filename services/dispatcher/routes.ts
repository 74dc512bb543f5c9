import type { ActorInvoker } from "../runtime/actor-invoker.js";
import express, { Router } from "express";
import { z } from "zod";
import type { Logger } from "../../core/logger.js";
import { probeEventSchema } from "../../core/probe-events.js";
import { subscriptionRoute } from "../runtime/pubsub-handler.js";

/**
 * Routes the sidecar calls for declarative subscriptions (components/common/subscriptions.yaml).
 * Each one goes through subscriptionRoute, so a thrown error is a RETRY and bad data a DROP.
 * Mount under /events.
 */
export function dispatcherRoutes(actors: ActorInvoker, log: Logger): Router {
  const r = Router();
  r.use(express.json({ type: ["application/json", "application/cloudevents+json"], limit: "1mb" }));

  r.post(
    "/pipeline-probe",
    subscriptionRoute(
      probeEventSchema,
      async (probe, ctx) => {
        await actors.invoke("ChannelActor", probe.channelId, "recordProbe", {
          probeId: probe.probeId,
          failTimes: probe.failTimes,
        });
        ctx.log.debug({ probeId: probe.probeId }, "probe recorded");
      },
      log,
    ),
  );

  r.post(
    "/dead-letter",
    subscriptionRoute(
      z.unknown(),
      async (data, ctx) => {
        await actors.invoke("DeadLetterActor", ctx.topic, "record", { eventId: ctx.id, data });
        ctx.log.warn("dead letter recorded");
      },
      log,
    ),
  );
  return r;
}
