import { createServer } from "node:http";
import express from "express";
import { ChannelActor } from "../actors/channel/ChannelActor.js";
import { DeadLetterActor } from "../actors/deadletter/DeadLetterActor.js";
import { loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { dispatcherRoutes } from "./dispatcher/routes.js";
import { errorHandler } from "./http/error-handler.js";
import { probeRoutes } from "./probe/routes.js";
import { createActorHost } from "./runtime/actor-host.js";
import { createActorInvoker } from "./runtime/actor-invoker.js";
import { requireAppToken } from "./runtime/app-token.js";
import { createDaprClient } from "./runtime/dapr-client.js";
import { DaprEventPublisher } from "./runtime/dapr-publisher.js";

/**
 * One entry point, three roles: `api` (REST), `dispatcher` (actors and event consumers) or `all`
 * (both behind one sidecar: the embedded default, where the in-memory broker lives in that sidecar).
 */
const cfg = loadConfig();
const isActorRuntimePath = (path: string) => path.startsWith("/actors/") || path === "/dapr/config" || path === "/healthz";
const log = createLogger(`turumba-${cfg.ROLE}`);
const hostsDispatcher = cfg.ROLE === "dispatcher" || cfg.ROLE === "all";
const servesApi = cfg.ROLE === "api" || cfg.ROLE === "all";

const client = createDaprClient(cfg);
const actors = createActorInvoker(client);
const publisher = new DaprEventPublisher(client, cfg.PUBSUB_NAME);

const app = express();
app.disable("x-powered-by");
let shuttingDown = false;

app.get("/health", (_req, res) => {
  res.json({ status: "ok", role: cfg.ROLE });
});
app.get("/ready", async (_req, res) => {
  // Ready means the sidecar answers too: without it we can neither publish nor host actors.
  const sidecar = await fetch(`http://${cfg.DAPR_HOST}:${cfg.DAPR_HTTP_PORT}/v1.0/healthz`).then((r) => r.status < 300, () => false);
  const ok = sidecar && !shuttingDown;
  res.status(ok ? 200 : 503).json({ status: ok ? "ready" : "not_ready", sidecar, shuttingDown });
});

if (hostsDispatcher) {
  // Everything the sidecar calls is refused without the app token.
  app.use(["/dapr", "/actors", "/events", "/healthz"], requireAppToken(cfg.APP_API_TOKEN));
  // Subscriptions are declarative (components/common/subscriptions.yaml); none are programmatic.
  app.get("/dapr/subscribe", (_req, res) => {
    res.json([]);
  });
  app.use("/events", dispatcherRoutes(actors, log));
  const host = await createActorHost(cfg, [ChannelActor, DeadLetterActor]);
  // Only actor traffic goes to the SDK's handler: it installs body parsers of its own that would
  // consume request bodies meant for other routes.
  app.use((req, res, next) => (isActorRuntimePath(req.path) ? host.handler(req, res, next) : next()));
}
if (servesApi) {
  app.use("/internal", probeRoutes({ actors, publisher, opsToken: cfg.OPS_API_TOKEN }));
}
app.use(errorHandler(log));

const server = createServer(app);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(cfg.APP_PORT, cfg.APP_HOST, resolve));
log.info({ port: cfg.APP_PORT, role: cfg.ROLE }, "listening");

async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, "shutting down");
  const timer = setTimeout(() => process.exit(0), cfg.SHUTDOWN_GRACE_MS);
  timer.unref();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
