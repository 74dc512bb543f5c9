/**
 * The provider webhooks of the API role, assembled: the receivers, the replay guard and the registrar,
 * built from the modules beside this one.
 */

import type { Router } from "express";
import { providerKey } from "../../adapters/contract/plugin.js";
import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import { automaticallyRegistered } from "../../adapters/registry.js";
import type { Logger } from "../../core/logger.js";
import type { EventPublisher } from "../../core/publisher.js";
import type { Database } from "../../db/client.js";
import type { SecretBox } from "../../db/secret-box.js";
import { batchedPublisher } from "./batched-publisher.js";
import { carriedMediaKeeper, type CarriedMediaDeps } from "./carried-media.js";
import { ChannelCache } from "./channel-cache.js";
import type { WebhookConfig } from "./config.js";
import { WebhookDedup } from "./dedup.js";
import { WebhookIntake } from "./intake.js";
import { webhookRouter } from "./receiver.js";
import { startWebhookRegistrar } from "./registration.js";

export { loadWebhookConfig, type WebhookConfig } from "./config.js";
export { webhookSetup, webhookUrl, registerDueWebhooks } from "./registration.js";

/**
 * Everything the API role needs for provider webhooks: the receivers (mount the router at
 * /webhooks, before the REST API), the replay-key purge, the relay of stored events (started
 * whatever WEBHOOK_ACKNOWLEDGE says, so events stored under `stored` still go out after a switch
 * back), and the registrar (for providers with an API to register webhooks) when a public URL is
 * configured. close() stops the timers.
 */
export function createWebhooks(deps: {
  db: Database;
  box: SecretBox;
  publisher: EventPublisher;
  /** Adapters that reach the providers (setWebhook); the receivers build their own per request. */
  adapters: AdapterRegistry;
  config: WebhookConfig;
  log: Logger;
  /** Where media that arrive in a webhook (inbound e-mail attachments) are kept. */
  carriedMedia?: Omit<CarriedMediaDeps, "db" | "log">;
}): { router: Router; close(): void } {
  const log = deps.log.child({ component: "webhooks" });
  const channels = new ChannelCache(deps.db, deps.box, deps.config.WEBHOOK_CHANNEL_CACHE_MS);
  const dedup = new WebhookDedup(deps.db, deps.config.WEBHOOK_DEDUP_TTL_SECONDS);
  dedup.startPurging(60_000, (err) =>
    log.warn({ err: err instanceof Error ? err.message : String(err) }, "replay-key purge failed"),
  );
  const publisher = batchedPublisher(deps.publisher);
  const intake =
    deps.config.WEBHOOK_ACKNOWLEDGE === "stored"
      ? new WebhookIntake(deps.db, publisher, deps.config.WEBHOOK_DEDUP_TTL_SECONDS, log)
      : undefined;
  // Started in either mode: events stored while the setting was `stored` still go out.
  const relay = intake ?? new WebhookIntake(deps.db, publisher, deps.config.WEBHOOK_DEDUP_TTL_SECONDS, log);
  relay.start();
  const router = webhookRouter({
    channels,
    dedup,
    publisher,
    intake,
    log,
    publicUrl: deps.config.WEBHOOK_PUBLIC_URL,
    ...(deps.carriedMedia ? { carriedMedia: carriedMediaKeeper({ ...deps.carriedMedia, db: deps.db, log }) } : {}),
    bodyLimit: deps.config.WEBHOOK_BODY_LIMIT,
    maxAgeMs: deps.config.WEBHOOK_MAX_AGE_SECONDS * 1000,
    limits: {
      perChannelPerSecond: deps.config.WEBHOOK_RATE_PER_CHANNEL,
      perChannelBurst: deps.config.WEBHOOK_RATE_PER_CHANNEL * 2,
      unknownLookupsPerSecond: deps.config.WEBHOOK_UNKNOWN_LOOKUPS_PER_SECOND,
      unknownLookupBurst: deps.config.WEBHOOK_UNKNOWN_LOOKUPS_PER_SECOND * 5,
    },
  });
  const baseUrl = deps.config.WEBHOOK_PUBLIC_URL;
  const registrar =
    baseUrl && deps.config.WEBHOOK_REGISTER_EVERY_MS > 0
      ? startWebhookRegistrar(
          { db: deps.db, box: deps.box, adapters: deps.adapters, baseUrl, log },
          deps.config.WEBHOOK_REGISTER_EVERY_MS,
        )
      : undefined;
  if (!registrar)
    log.info(
      { providers: automaticallyRegistered().map(providerKey) },
      "WEBHOOK_PUBLIC_URL unset: webhooks are not registered automatically",
    );
  return {
    router,
    close() {
      dedup.stop();
      relay.stop();
      registrar?.stop();
    },
  };
}
