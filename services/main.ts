/**
 * One entry point, three roles: `api` (REST), `dispatcher` (actors and event consumers) or `all`
 * (both behind one sidecar: the embedded default, where the in-memory broker lives in that sidecar).
 */

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import express from "express";
import { CampaignActor } from "../actors/campaign/CampaignActor.js";
import { setCampaignPorts } from "../actors/campaign/campaign-ports.js";
import { ChannelActor } from "../actors/channel/ChannelActor.js";
import { ScheduleActor } from "../actors/schedule/ScheduleActor.js";
import { SweeperActor, SWEEPER_ID } from "../actors/sweeper/SweeperActor.js";
import { setSweeperPorts } from "../actors/sweeper/sweeper-ports.js";
import { setSchedulePorts } from "../actors/schedule/schedule-ports.js";
import { DeadLetterActor } from "../actors/deadletter/DeadLetterActor.js";
import { LimiterActor } from "../actors/limits/LimiterActor.js";
import { CallbackEndpointActor } from "../actors/callbacks/CallbackEndpointActor.js";
import { setCallbackPorts } from "../actors/callbacks/callback-ports.js";
import { HttpCallbackSender } from "../adapters/callbacks/http-sender.js";
import { DeliveryStore } from "../db/callbacks/delivery-store.js";
import { EndpointStore } from "../db/callbacks/endpoint-store.js";
import { actorNudge, callbackRoutes, createCallbackFanout } from "./callbacks/fanout.js";
import { brokerCallbackEmitter } from "./callbacks/emitter.js";
import { sweepCallbackOutbox } from "./callbacks/outbox-sweep.js";
import { publishIdleClosed } from "./conversations/closed-events.js";
import { createCallbackPorts } from "./callbacks/wiring.js";
import { loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { createAdapterRegistry, outboundPolicy } from "../adapters/registry.js";
import { setDispatchPorts } from "../actors/channel/dispatch-ports.js";
import { openDatabase } from "../db/client.js";
import { maintenanceOptionsFromEnv, startMaintenance } from "../db/maintenance.js";
import { runMigrations } from "../db/migrate.js";
import { SecretBox } from "../db/secret-box.js";
import { createApiApp, loadApiConfig } from "./api/index.js";
import { startMediaExpiry } from "./api/media/expiry-sweep.js";
import { DaprMediaStore } from "./runtime/dapr-media-store.js";
import { actorDeadLetterStore } from "./runtime/dead-letter-store.js";
import { campaignRoutes } from "./campaign/routes.js";
import { ScheduleStore } from "../db/schedules/schedule-store.js";
import { campaignSweep } from "./campaign/sweep.js";
import { createCampaignPorts } from "./campaign/wiring.js";
import { channelEventRoutes } from "./dispatcher/channel-event-routes.js";
import { probeAndDeadLetterRoutes } from "./dispatcher/probe-and-dead-letter-routes.js";
import { keepArming } from "./dispatcher/sweep-arming.js";
import { sweep } from "./dispatcher/sweeper.js";
import { createDispatchPorts } from "./dispatcher/wiring.js";
import { attachmentResolver } from "./dispatcher/attachment-links.js";
import { mediaLinkKey } from "../core/media/link-token.js";
import { campaignCounterSink } from "../db/campaigns/receipt-counters.js";
import { createStatusConsumer, statusRoutes } from "./status/consumer.js";
import { createReceiptReconciler } from "./status/reconciler.js";
import { createInboundConsumer, inboundRoutes } from "./inbound/consumer.js";
import { createInboundMediaFetcher } from "./inbound/media-fetch.js";
import { providerMediaSender } from "./dispatcher/provider-media.js";
import { downloadMedia } from "../adapters/contract/media-download.js";
import type { BindEventForwarder } from "./status/bind-forwarder.js";
import { bridgeBindEvents } from "./status/bind-bridge.js";
import { createWebhooks, loadWebhookConfig } from "./webhooks/index.js";
import { registry as metricsRegistry } from "./metrics.js";
import { errorHandler } from "./http/error-handler.js";
import { mountMetricsOnApp, startMetricsServer } from "./http/metrics-endpoint.js";
import { probeRoutes } from "./probe/routes.js";
import { createActorHost } from "./runtime/actor-host.js";
import { createActorInvoker } from "./runtime/actor-invoker.js";
import { httpDrain } from "./runtime/http-drain.js";
import { assertSidecarRoutesGuarded, requireAppToken } from "./runtime/app-token.js";
import { createDaprClient } from "./runtime/dapr-client.js";
import { DaprEventPublisher } from "./runtime/dapr-publisher.js";

const cfg = loadConfig();
// A whole inbound media download: 100 MB, the largest object kept, arrives in it at 1.7 MB/s.
const INBOUND_MEDIA_TIMEOUT_MS = 60_000;
const isActorRuntimePath = (path: string) =>
  path.startsWith("/actors/") || path === "/dapr/config" || path === "/healthz";
const log = createLogger(`turumba-${cfg.ROLE}`);
const hostsDispatcher = cfg.ROLE === "dispatcher" || cfg.ROLE === "all";
const servesApi = cfg.ROLE === "api" || cfg.ROLE === "all";
// The dispatcher's sidecar-facing routes (actors, events, the sweeper) need the app token off loopback.
if (hostsDispatcher) assertSidecarRoutesGuarded(cfg.APP_HOST, cfg.APP_API_TOKEN);

const db = await openDatabase({
  url: cfg.DATABASE_URL,
  embeddedDir: cfg.EMBEDDED_DB_DIR,
  applicationName: `turumba-${cfg.ROLE}`,
});
await runMigrations(db);
const box = credentialsBox(cfg.CREDENTIALS_KEYS, cfg.CREDENTIALS_ACTIVE_KEY_ID, cfg.ROLE);
// Signed media links: the dispatcher signs, the API verifies; both derive the key from the same
// key ring (a per-process key without one, enough for the embedded single process).
const linkKey = mediaLinkKey(cfg.CREDENTIALS_KEYS ?? randomBytes(32).toString("base64"));

const client = createDaprClient(cfg);
const actors = createActorInvoker({
  daprHost: cfg.DAPR_HOST,
  daprPort: cfg.DAPR_HTTP_PORT,
  daprApiToken: cfg.DAPR_API_TOKEN,
  timeoutMs: cfg.ACTOR_CALL_TIMEOUT_MS,
});
const publisher = new DaprEventPublisher(client, cfg.PUBSUB_NAME);
// Monthly partitions ahead of time, stranded rows moved out of the default partition, expired
// months detached; idle conversations closed and announced.
const maintenance = startMaintenance(db, {
  ...maintenanceOptionsFromEnv(),
  log,
  onConversationsClosed: publishIdleClosed(publisher, log),
});

const app = express();
app.disable("x-powered-by");
let shuttingDown = false;
let bindEvents: BindEventForwarder | undefined;
let receiptReconciler: ReturnType<typeof createReceiptReconciler> | undefined;
let callbackSender: HttpCallbackSender | undefined;

// With METRICS_PORT set, /metrics leaves the public port for a listener of its own.
const metricsServer =
  cfg.METRICS_PORT === undefined
    ? (mountMetricsOnApp(app, metricsRegistry), undefined)
    : await startMetricsServer({ registry: metricsRegistry, host: cfg.APP_HOST, port: cfg.METRICS_PORT });
app.get("/health", (_req, res) => {
  res.json({ status: "ok", role: cfg.ROLE });
});
app.get("/ready", async (_req, res) => {
  // Ready means the sidecar answers too: without it we can neither publish nor host actors.
  const sidecar = await sidecarHealthy();
  const database = await db.ping();
  const ok = sidecar && database && !shuttingDown;
  res.status(ok ? 200 : 503).json({ status: ok ? "ready" : "not_ready", sidecar, database, shuttingDown });
});

if (hostsDispatcher) {
  // Everything the sidecar calls is refused without the app token.
  app.use(["/dapr", "/actors", "/events", "/healthz"], requireAppToken(cfg.APP_API_TOKEN));
  const adapters = createAdapterRegistry({
    logger: log,
    baseUrls: parseBaseUrls(cfg.PROVIDER_BASE_URLS),
    outbound: outboundPolicy(cfg.OUTBOUND_ALLOW),
  });
  const attachments = attachmentResolver({
    db,
    key: linkKey,
    publicBaseUrl: cfg.MEDIA_PUBLIC_BASE_URL,
    ttlMs: cfg.MEDIA_LINK_TTL_SECONDS * 1000,
  });
  // Tenant callbacks: producers emit onto callback.event; the fan-out records a delivery per
  // subscribed endpoint and wakes its CallbackEndpointActor, which sends them.
  const callbacks = brokerCallbackEmitter(publisher, log.child({ component: "callbacks" }));
  const endpointStore = new EndpointStore(db, box);
  const deliveryStore = new DeliveryStore(db);
  callbackSender = new HttpCallbackSender({
    outbound: outboundPolicy(cfg.OUTBOUND_ALLOW),
    timeoutMs: cfg.CALLBACK_TIMEOUT_MS,
    connectionsPerOrigin: cfg.CALLBACK_CONCURRENCY,
  });
  setCallbackPorts(
    createCallbackPorts({
      cfg,
      endpoints: endpointStore,
      deliveries: deliveryStore,
      sender: callbackSender,
      log: log.child({ component: "callbacks" }),
    }),
  );
  const callbackFanout = createCallbackFanout({
    endpoints: endpointStore,
    deliveries: deliveryStore,
    nudge: actorNudge(actors),
  });
  app.use("/events", callbackRoutes(callbackFanout, log));
  // Media bytes through the sidecar's `mediastore` binding: uploads to providers, inbound fetches.
  const dispatcherMediaStore = new DaprMediaStore({
    daprUrl: `http://${cfg.DAPR_HOST}:${cfg.DAPR_HTTP_PORT}`,
    daprApiToken: cfg.DAPR_API_TOKEN,
  });
  const providerMedia = providerMediaSender({
    db,
    store: dispatcherMediaStore,
    log: log.child({ component: "media" }),
  });
  setDispatchPorts(createDispatchPorts({ cfg, db, box, adapters, actors, log, attachments, providerMedia, callbacks }));
  // SMPP receipts and MO arrive on the bind: onto the same topics as the webhooks.
  bindEvents = bridgeBindEvents(adapters, publisher, log);
  // Delivery receipts (message.status): statuses, message_events, campaign counters, provider opt-outs.
  const counters = await campaignCounterSink(db);
  const statusLog = log.child({ component: "status" });
  app.use("/events", statusRoutes(createStatusConsumer({ db, counters, log: statusLog, callbacks }), log));
  // Receipts that came before their send was recorded are parked by the consumer; this applies them.
  receiptReconciler = createReceiptReconciler({ db, counters, log: statusLog, callbacks });
  receiptReconciler.start();
  // Inbound messages (webhook.inbound): contacts, conversations, opt-out keywords; message.received
  // and conversation.created published for whoever follows the threads, and tenants' callbacks.
  // Their media references: fetched into the media store with the channel's credentials, after the message is stored.
  const inboundLog = log.child({ component: "inbound" });
  const mediaConfig = loadApiConfig();
  const outbound = outboundPolicy(cfg.OUTBOUND_ALLOW);
  const inboundMedia = createInboundMediaFetcher({
    db,
    box,
    store: dispatcherMediaStore,
    locate: (channelType, provider) => {
      const adapter = adapters.has(channelType, provider) ? adapters.get(channelType, provider) : undefined;
      return adapter?.locateInboundMedia?.bind(adapter);
    },
    download: (location) =>
      downloadMedia(location, {
        policy: outbound,
        maxBytes: mediaConfig.MEDIA_MAX_BYTES,
        timeoutMs: INBOUND_MEDIA_TIMEOUT_MS,
      }),
    maxBytes: mediaConfig.MEDIA_MAX_BYTES,
    retentionMs: mediaConfig.MEDIA_RETENTION_DAYS * 86_400_000,
    log: inboundLog,
  });
  app.use(
    "/events",
    inboundRoutes(createInboundConsumer({ db, publisher, log: inboundLog, callbacks }), log, inboundMedia),
  );
  app.use("/events", channelEventRoutes(actors, log));
  // Campaigns (group messages) and schedules: their actors' ports and lifecycle consumers.
  setCampaignPorts(createCampaignPorts({ cfg, db, publisher, log, callbacks }));
  const schedules = new ScheduleStore(db, publisher);
  setSchedulePorts({
    log,
    now: () => Date.now(),
    load: (id) => schedules.load(id),
    setNextTrigger: (id, next, now) => schedules.setNextTrigger(id, next, now),
    fire: (id, at, next, now) => schedules.fire(id, at, next, now),
  });
  app.use("/events", campaignRoutes(actors, log));
  // The dispatch, campaign and callback-outbox safety nets, once per cluster per SWEEP_INTERVAL_MS (SweeperActor's reminder).
  setSweeperPorts({
    log,
    intervalMs: cfg.SWEEP_INTERVAL_MS,
    async sweep() {
      const warn = (what: string) => (err: unknown) => {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} sweep failed`);
      };
      await sweep({
        db,
        actors,
        log,
        intervalMs: cfg.SWEEP_INTERVAL_MS,
        staleQueuedMs: cfg.SWEEP_STALE_QUEUED_MS,
        stuckSendingMs: cfg.SWEEP_STUCK_SENDING_MS,
      }).catch(warn("dispatch"));
      await campaignSweep({ db, actors, log }).catch(warn("campaign"));
      await sweepCallbackOutbox({
        db,
        fanout: callbackFanout,
        log: log.child({ component: "callbacks" }),
        staleMs: cfg.CALLBACK_OUTBOX_STALE_MS,
      }).catch(warn("callback outbox"));
    },
  });
  // Subscriptions are declarative (components/common/subscriptions.yaml, message.status beside each broker in components/pubsub/*); none are programmatic.
  app.get("/dapr/subscribe", (_req, res) => {
    res.json([]);
  });
  app.use("/events", probeAndDeadLetterRoutes(actors, log));
  const host = await createActorHost(cfg, [
    ChannelActor,
    DeadLetterActor,
    LimiterActor,
    CampaignActor,
    ScheduleActor,
    SweeperActor,
    CallbackEndpointActor,
  ]);
  // Only actor traffic goes to the SDK's handler: it installs body parsers of its own that would
  // consume request bodies meant for other routes.
  app.use((req, res, next) => (isActorRuntimePath(req.path) ? host.handler(req, res, next) : next()));
}
let webhooks: { close(): void } | undefined;
let mediaExpiry: { stop(): void } | undefined;
if (servesApi) {
  // The webhook receivers and registrar and the REST API's credential check share one set of adapters.
  const apiAdapters = createAdapterRegistry({
    logger: log,
    baseUrls: parseBaseUrls(cfg.PROVIDER_BASE_URLS),
    outbound: outboundPolicy(cfg.OUTBOUND_ALLOW),
  });
  // Provider webhooks: no user auth (the provider's signature is the authentication), raw bodies
  // (signatures cover bytes), so before the REST API and its JSON parser.
  // Media bytes through the sidecar's `mediastore` binding (a folder or an S3 bucket, by YAML).
  const apiConfig = loadApiConfig();
  const mediaStore = new DaprMediaStore({
    daprUrl: `http://${cfg.DAPR_HOST}:${cfg.DAPR_HTTP_PORT}`,
    daprApiToken: cfg.DAPR_API_TOKEN,
  });
  const webhookConfig = loadWebhookConfig();
  const hooks = createWebhooks({
    db,
    box,
    publisher,
    adapters: apiAdapters,
    config: webhookConfig,
    log,
    // Inbound e-mail attachments arrive in the webhook and are kept before it is answered.
    carriedMedia: {
      store: mediaStore,
      maxBytes: apiConfig.MEDIA_MAX_BYTES,
      retentionMs: apiConfig.MEDIA_RETENTION_DAYS * 86_400_000,
    },
  });
  webhooks = hooks;
  app.use("/webhooks", hooks.router);
  app.use("/internal", probeRoutes({ actors, publisher, opsToken: cfg.OPS_API_TOKEN, db }));
  mediaExpiry = startMediaExpiry(db, mediaStore, { intervalMs: apiConfig.MEDIA_SWEEP_INTERVAL_SECONDS * 1000, log });
  // The REST API last: it answers 404 with {detail, code} for anything no route above took.
  app.use(
    createApiApp({
      db,
      publisher,
      config: apiConfig,
      logger: log,
      secretBox: box,
      adapters: apiAdapters,
      media: mediaStore,
      mediaLinkKey: linkKey,
      outbound: outboundPolicy(cfg.OUTBOUND_ALLOW),
      callbacks: {
        outbound: outboundPolicy(cfg.OUTBOUND_ALLOW),
        allowHttp: cfg.CALLBACK_ALLOW_HTTP,
        nudge: actorNudge(actors),
      },
      deadLetters: actorDeadLetterStore(actors),
      webhookPublicUrl: webhookConfig.WEBHOOK_PUBLIC_URL,
      ready: async () => ({ sidecar: await sidecarHealthy() }),
    }),
  );
}
app.use(errorHandler(log));

const server = createServer(app);
const drain = httpDrain(server);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(cfg.APP_PORT, cfg.APP_HOST, resolve));
log.info({ port: cfg.APP_PORT, role: cfg.ROLE }, "listening");
// Once the app answers its sidecar, the actor host can take the sweeper: arm its reminder, and
// arm it again every 3 sweep periods (15 s by default) in case the reminder stopped firing. At
// every 12 periods, a reminder lost when the replica hosting the sweeper was SIGKILLed left a
// dead replica's rows in sending for up to 115 s (the CI run of 2026-11-27 15:46: 21 rows past
// the drill's bound); a renewal that finds the reminder alive is one actor call that returns.
const sweepArming = hostsDispatcher
  ? keepArming((renewal) => actors.invoke("SweeperActor", SWEEPER_ID, "arm", { renewal }), log, {
      rearmMs: 3 * cfg.SWEEP_INTERVAL_MS,
    })
  : undefined;

function sidecarHealthy(): Promise<boolean> {
  return fetch(`http://${cfg.DAPR_HOST}:${cfg.DAPR_HTTP_PORT}/v1.0/healthz`).then(
    (r) => r.status < 300,
    () => false,
  );
}

function parseBaseUrls(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  return JSON.parse(text) as Record<string, string>;
}

/**
 * The key ring for channel credentials. Separate API and dispatcher processes must share it, so
 * only the all-in-one embedded app may fall back to a key of its own.
 */
function credentialsBox(keys: string | undefined, activeKeyId: string | undefined, role: string): SecretBox {
  if (keys) return SecretBox.fromKeyRing(keys, activeKeyId);
  if (role !== "all")
    throw new Error("CREDENTIALS_KEYS is required when the API and the dispatcher run as separate processes");
  log.warn("CREDENTIALS_KEYS unset: using a random per-process key (credentials will not survive a restart)");
  return SecretBox.fromKeyRing(`ephemeral:${randomBytes(32).toString("base64")}`);
}

async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, "shutting down");
  const timer = setTimeout(() => process.exit(0), cfg.SHUTDOWN_GRACE_MS);
  timer.unref();
  maintenance.stop();
  mediaExpiry?.stop();
  sweepArming?.stop();
  webhooks?.close();
  metricsServer?.close();
  void callbackSender?.close();
  // Receipts the binds already acknowledged get half the grace period to reach the broker.
  const forwarded = bindEvents
    ? Promise.race([
        bindEvents.flushed(),
        new Promise((r) => setTimeout(r, cfg.SHUTDOWN_GRACE_MS / 2).unref()),
      ]).finally(() => bindEvents?.stop())
    : Promise.resolve();
  const reconciled = receiptReconciler?.stop() ?? Promise.resolve();
  drain.begin(() => {
    void Promise.all([forwarded, reconciled])
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
