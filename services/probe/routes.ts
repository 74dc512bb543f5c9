/**
 * Operator endpoints: pipeline probes (synthetic events through API → broker → dispatcher →
 * channel actor) and the dead-letter view. Guarded by OPS_API_TOKEN; off when it is unset.
 * Mount under /internal.
 */

import { randomUUID, timingSafeEqual } from "node:crypto";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import express, { Router, type RequestHandler } from "express";
import { z } from "zod";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { createApiKey } from "../../db/accounts/api-keys.js";
import { PROBE_TOPIC, type ProbeEvent } from "../../core/probe-events.js";
import type { EventPublisher } from "../../core/publisher.js";
import { newTraceparent } from "../../core/trace.js";

const probeRequest = z.object({
  channelId: z.string().min(1).max(128).default("probe"),
  count: z.number().int().min(1).max(10_000).default(1),
  failTimes: z.number().int().min(0).max(10).default(0),
});

const apiKeyRequest = z.object({
  accountId: z.uuid(),
  name: z.string().min(1).max(100).default("bootstrap"),
  role: z.enum(["admin", "manager", "user"]).default("admin"),
});

const reminderRequest = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w.-]+$/),
  dueMs: z.number().int().min(0).max(3_600_000),
});

function requireOpsToken(token: string | undefined): RequestHandler {
  const want = Buffer.from(`Bearer ${token ?? ""}`);
  return (req, _res, next) => {
    if (!token) return next(new AppError(404, "not_found", "Not found"));
    const got = Buffer.from(String(req.headers.authorization ?? ""));
    if (got.length === want.length && timingSafeEqual(got, want)) return next();
    next(new AppError(401, "unauthorized", "operator token required"));
  };
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new AppError(400, "validation_error", `${issue.path.join(".") || "body"}: ${issue.message}`);
}

export function probeRoutes(deps: {
  actors: ActorInvoker;
  publisher: EventPublisher;
  opsToken: string | undefined;
  db: Database;
}): Router {
  const r = Router();
  r.use(requireOpsToken(deps.opsToken));
  r.use(express.json({ limit: "64kb" }));

  r.post("/probes", async (req, res) => {
    const body = parse(probeRequest, req.body);
    const ids: string[] = [];
    const events: ProbeEvent[] = [];
    for (let i = 0; i < body.count; i++) {
      const probeId = randomUUID();
      ids.push(probeId);
      events.push({
        probeId,
        channelId: body.channelId,
        failTimes: body.failTimes,
        sentAt: new Date().toISOString(),
        traceparent: newTraceparent(),
      });
    }
    if (deps.publisher.publishBulk && events.length > 1) await deps.publisher.publishBulk(PROBE_TOPIC, events);
    else for (const e of events) await deps.publisher.publish(PROBE_TOPIC, e);
    res.status(202).json({ channelId: body.channelId, probeIds: ids });
  });

  // Publishes whatever JSON it is given to the probe topic, unvalidated: lets an operator verify
  // that poison events reach the dead-letter topic.
  r.post("/probes/raw", async (req, res) => {
    await deps.publisher.publish(PROBE_TOPIC, req.body ?? {});
    res.status(202).json({ published: true });
  });

  r.get("/probes/:channelId", async (req, res) => {
    const state = await deps.actors.invoke("ChannelActor", req.params.channelId, "getProbeState");
    res.json(state);
  });

  r.post("/probes/:channelId/reminders", async (req, res) => {
    const body = parse(reminderRequest, req.body);
    await deps.actors.invoke("ChannelActor", req.params.channelId, "scheduleProbeReminder", body);
    res.status(202).json(body);
  });

  // Bootstrap: the first API key of an account, for an operator who has no identity provider yet.
  // The key is shown once, in this response only.
  r.post("/api-keys", async (req, res) => {
    const body = parse(apiKeyRequest, req.body);
    const { row, key } = await createApiKey(deps.db.orm, body.accountId, body.name, body.role, new Date());
    res.status(201).json({ id: row.id, accountId: body.accountId, role: body.role, key });
  });

  r.get("/dead-letters/:topic", async (req, res) => {
    const log = await deps.actors.invoke("DeadLetterActor", req.params.topic, "list");
    res.json(log);
  });
  return r;
}
