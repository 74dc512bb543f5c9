/**
 * The callback delivery actor's ports: the delivery log and endpoints in PostgreSQL, the HTTP
 * sender, and the settings from core/config.ts.
 */

import type { CallbackPorts } from "../../actors/callbacks/callback-ports.js";
import type { AppConfig } from "../../core/config.js";
import type { CallbackSender } from "../../core/callbacks/sender.js";
import type { Logger } from "../../core/logger.js";
import type { DeliveryStore } from "../../db/callbacks/delivery-store.js";
import type { EndpointStore } from "../../db/callbacks/endpoint-store.js";

/** Deliveries one round takes: enough to keep the concurrency cap busy, small enough to record in one write. */
const BATCH_SIZE = 200;
/** A drain yields after this long and a reminder continues it, so one busy endpoint cannot hold its host. */
const DRAIN_BUDGET_MS = 20_000;

export function createCallbackPorts(deps: {
  cfg: AppConfig;
  endpoints: EndpointStore;
  deliveries: DeliveryStore;
  sender: CallbackSender;
  log: Logger;
}): CallbackPorts {
  const { cfg, endpoints, deliveries } = deps;
  return {
    log: deps.log,
    now: () => Date.now(),
    settings: {
      retryPeriodMs: cfg.CALLBACK_RETRY_PERIOD_MS,
      baseDelayMs: cfg.CALLBACK_BASE_DELAY_MS,
      concurrency: cfg.CALLBACK_CONCURRENCY,
      ratePerSecond: cfg.CALLBACK_RATE_PER_SECOND,
      batchSize: BATCH_SIZE,
      drainBudgetMs: DRAIN_BUDGET_MS,
    },
    sender: deps.sender,
    async endpoint(id) {
      const ep = await endpoints.forSigning(id);
      return ep && { url: ep.url, secret: ep.secret, enabled: ep.enabled };
    },
    due: (id, now, limit) => deliveries.due(id, now, limit),
    record: (attempts) => deliveries.record(attempts),
    nextDueAt: (id) => deliveries.nextDueAt(id),
    disable: (id, reason, now) => endpoints.disable(id, reason, now),
  };
}
