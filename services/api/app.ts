/**
 * The REST API assembled: every resource's routes in one list (the OpenAPI document is built from the
 * same list), served behind tracing, authentication and the account's rate limit.
 */

import express, { type Express, type RequestHandler } from "express";
import { createAdapterRegistry } from "../../adapters/registry.js";
import { withTrace } from "../../core/logger.js";
import { newTraceparent, parseTraceparent } from "../../core/trace.js";
import { ApiKeyCache } from "./auth/api-key-cache.js";
import { ConcurrencySlots } from "../http/slots.js";
import { authenticate } from "./auth/authenticate.js";
import type { ApiDeps, Ctx } from "./context.js";
import { referencePages } from "./docs/reference-pages.js";
import { apiErrorHandler, notFoundHandler } from "./http/errors.js";
import { rateLimit } from "./http/rate-limit.js";
import { mountRoutes, type AnyRoute } from "./http/route.js";
import { buildOpenApi } from "./openapi.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { channelRoutes } from "./routes/channels.js";
import { contactGroupRoutes, contactRoutes } from "./routes/contacts.js";
import { groupMessageRoutes } from "./routes/group-messages.js";
import { messageRoutes } from "./routes/messages.js";
import { scheduledMessageRoutes } from "./routes/scheduled-messages.js";
import { templateRoutes } from "./routes/templates.js";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints.js";

export const API_VERSION = "1.0.0";

export const apiRoutes: AnyRoute[] = [
  ...channelRoutes,
  ...messageRoutes,
  ...templateRoutes,
  ...groupMessageRoutes,
  ...scheduledMessageRoutes,
  ...contactRoutes,
  ...contactGroupRoutes,
  ...apiKeyRoutes,
  ...webhookEndpointRoutes,
];

/** Every request runs under a trace: the caller's traceparent when it sends one, a new one otherwise. */
function traced(ctx: Ctx): RequestHandler {
  return (req, res, next) => {
    const header = req.header("traceparent");
    const parsed = parseTraceparent(header);
    const traceparent = parsed ? header! : newTraceparent();
    const traceId = parsed?.traceId ?? parseTraceparent(traceparent)!.traceId;
    res.setHeader("X-Trace-Id", traceId);
    const started = performance.now();
    res.on("finish", () => {
      ctx.logger.debug(
        {
          method: req.method,
          path: req.route ? String((req.route as { path: unknown }).path) : req.path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        "request",
      );
    });
    withTrace({ traceId, traceparent }, next);
  };
}

/**
 * The messaging REST API as an express app, ready to listen or to be mounted in a larger one.
 * /health answers while the process runs; /ready when the database (and whatever `deps.ready`
 * checks, e.g. the sidecar) answers. /v1/openapi.json and the reference pages rendering it (/docs)
 * are public; every other /v1 route needs credentials and counts against the account's rate limit.
 */
export function createApiApp(deps: ApiDeps): Express {
  const ctx: Ctx = {
    ...deps,
    clock: deps.clock ?? (() => new Date()),
    adapters: deps.adapters ?? createAdapterRegistry({ logger: deps.logger }),
    apiKeys: new ApiKeyCache(deps.config.API_KEY_CACHE_SECONDS * 1000),
    streams: new ConcurrencySlots(deps.config.API_SSE_MAX_STREAMS_PER_ACCOUNT),
    imports: new ConcurrencySlots(deps.config.API_CSV_MAX_CONCURRENT_PER_ACCOUNT),
  };
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.set("etag", false);
  app.use(traced(ctx));
  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/ready", async (_req, res) => {
    const [database, extra] = await Promise.all([
      ctx.db.ping(),
      deps.ready ? deps.ready().catch(() => ({ checks: false })) : Promise.resolve({}),
    ]);
    const checks: Record<string, boolean> = { database, ...extra };
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ status: ok ? "ready" : "not_ready", ...checks });
  });

  let doc: unknown;
  app.get("/v1/openapi.json", (_req, res) => {
    doc ??= buildOpenApi(apiRoutes, {
      version: API_VERSION,
      limits: { maxLimit: ctx.config.API_LIST_MAX_LIMIT, maxSkip: ctx.config.API_LIST_MAX_SKIP },
    });
    res.setHeader("Cache-Control", "public, max-age=300");
    res.json(doc);
  });
  app.use("/docs", referencePages());

  app.use("/v1", authenticate(ctx, deps.jwks), rateLimit(ctx));
  app.use(mountRoutes(apiRoutes, ctx));
  app.use(notFoundHandler);
  app.use(apiErrorHandler(ctx.logger));
  return app;
}
