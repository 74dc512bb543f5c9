/**
 * Subscription routes (components/common/subscriptions.yaml) for pipeline probes, recorded by
 * their channel's ChannelActor, and for dead letters, kept by the DeadLetterActor of their
 * topic. Probe deliveries handled concurrently are gathered per channel, so the consumer makes
 * one actor call per channel per batch. Every route answers a status per event: a failure is a
 * RETRY and bad data a DROP, never a silent ack. Mount under /events.
 */

import express, { Router } from "express";
import { z } from "zod";
import type { Logger } from "../../core/logger.js";
import { MicroBatcher } from "../../core/micro-batcher.js";
import { probeEventSchema, type ProbeEvent } from "../../core/probe-events.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { subscriptionRoute } from "../runtime/pubsub-handler.js";

export function probeAndDeadLetterRoutes(actors: ActorInvoker, log: Logger): Router {
  const r = Router();
  const json = express.json({
    type: ["application/json", "application/cloudevents+json", "application/*+json"],
    limit: "1mb",
  });

  const probes = new MicroBatcher<string, ProbeEvent, string>({
    maxItems: 100,
    // Short: a broker that delivers one event at a time (the in-memory one) gains nothing from
    // waiting, while concurrent deliveries (RabbitMQ prefetch) still arrive within a millisecond.
    maxWaitMs: 1,
    flush: async (channelId, batch) => {
      const outcomes = await actors.invoke<Record<string, string>>("ChannelActor", channelId, "recordProbes", {
        probes: batch.map((p) => ({ probeId: p.probeId, failTimes: p.failTimes, sentAt: p.sentAt })),
      });
      return batch.map((p) => outcomes[p.probeId] ?? "missing");
    },
  });

  r.post(
    "/pipeline-probe",
    json,
    subscriptionRoute(
      probeEventSchema,
      async (probe) => {
        const outcome = await probes.add(probe.channelId, probe);
        if (outcome !== "recorded") throw new Error(`probe ${probe.probeId}: ${outcome}`);
      },
      log,
    ),
  );

  r.post(
    "/dead-letter",
    json,
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
