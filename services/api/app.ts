/**
 * The REST API assembled: every resource's routes in one list (the OpenAPI document is built from the
 * same list), served behind tracing, authentication and the account's rate limit.
 */

import express, { type Express, type RequestHandler } from "express";
import { createAdapterRegistry, outboundPolicy } from "../../adapters/registry.js";
import { withTrace } from "../../core/logger.js";
import { newTraceparent, parseTraceparent } from "../../core/trace.js";
import { ApiKeyCache } from "./auth/api-key-cache.js";
import { RecentHits } from "../http/recent-hits.js";
import { ConcurrencySlots } from "../http/slots.js";
import { authenticate } from "./auth/authenticate.js";
import type { ApiDeps, Ctx } from "./context.js";
import { consolePages } from "./console/console-pages.js";
import { referencePages } from "./docs/reference-pages.js";
import { apiErrorHandler, notFoundHandler } from "./http/errors.js";
import { rateLimit } from "./http/rate-limit.js";
import { mountRoutes, type AnyRoute } from "./http/route.js";
import { cors } from "./http/cors.js";
import { buildOpenApi } from "./openapi.js";
import { mediaLinkHandler } from "./media/media-link.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { callerRoutes } from "./routes/caller.js";
import { channelWebhookRoutes } from "./routes/channel-webhook.js";
import { channelRoutes } from "./routes/channels.js";
import { contactGroupRoutes, contactRoutes } from "./routes/contacts.js";
import { groupMessageRoutes } from "./routes/group-messages.js";
import { mediaRoutes } from "./routes/media.js";
import { messageRoutes } from "./routes/messages.js";
import { providerRoutes } from "./routes/providers.js";
import { scheduledMessageRoutes } from "./routes/scheduled-messages.js";
import { STATS_RATE_SECONDS, statsRoutes } from "./routes/stats.js";
import { templateRoutes } from "./routes/templates.js";
import { suppressionRoutes } from "./routes/suppressions.js";
import { quotaRoutes } from "./routes/quotas.js";
import { conversationRoutes } from "./routes/conversations.js";
import { deadLetterRoutes } from "./routes/dead-letters.js";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints.js";

export const API_VERSION = "1.0.0";

export const apiRoutes: AnyRoute[] = [
  ...channelRoutes,
  ...channelWebhookRoutes,
  ...providerRoutes,
  ...messageRoutes,
  ...templateRoutes,
  ...groupMessageRoutes,
  ...scheduledMessageRoutes,
  ...contactRoutes,
  ...contactGroupRoutes,
  ...suppressionRoutes,
  ...quotaRoutes,
  ...conversationRoutes,
  ...apiKeyRoutes,
  ...callerRoutes,
  ...mediaRoutes,
  ...statsRoutes,
  ...webhookEndpointRoutes,
  ...deadLetterRoutes,
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
 * checks, e.g. the sidecar) answers. /v1/openapi.json, the reference pages rendering it (/docs)
 * and the console's page and assets (/console) are public; every other /v1 route needs
 * credentials and counts against the account's rate limit.
 */
export function createApiApp(deps: ApiDeps): Express {
  const ctx: Ctx = {
    ...deps,
    clock: deps.clock ?? (() => new Date()),
    adapters: deps.adapters ?? createAdapterRegistry({ logger: deps.logger }),
    outbound: deps.outbound ?? outboundPolicy(undefined),
    apiKeys: new ApiKeyCache(deps.config.API_KEY_CACHE_SECONDS * 1000),
    streams: new ConcurrencySlots(deps.config.API_SSE_MAX_STREAMS_PER_ACCOUNT),
    imports: new ConcurrencySlots(deps.config.API_CSV_MAX_CONCURRENT_PER_ACCOUNT),
    rateLimitHits: new RecentHits(STATS_RATE_SECONDS),
  };
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.set("etag", false);
  app.use(traced(ctx));
  if (ctx.config.API_CORS_ORIGINS.length > 0)
    app.use(
      cors({
        origins: ctx.config.API_CORS_ORIGINS,
        credentials: ctx.config.API_CORS_CREDENTIALS,
        maxAgeSeconds: ctx.config.API_CORS_MAX_AGE_SECONDS,
      }),
    );
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
  // Signed short-lived links to stored media, fetched by providers (no API credentials: the token is the credential).
  app.get("/media-links/:token", mediaLinkHandler(ctx));
  app.use("/console", consolePages(ctx.config.CONSOLE_DIR));

  app.use("/v1", authenticate(ctx, deps.jwks), rateLimit(ctx));
  app.use(mountRoutes(apiRoutes, ctx));
  app.use(notFoundHandler);
  app.use(apiErrorHandler(ctx.logger));
  return app;
}
