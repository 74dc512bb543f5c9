/**
 * The client of our own sidecar, configured in one place for every role.
 */

import { CommunicationProtocolEnum, DaprClient, LogLevel, type DaprClientOptions } from "@dapr/dapr";
import type { AppConfig } from "../../core/config.js";

/** Options every client of our own sidecar uses: HTTP, the API token, and the actor settings. */
export function daprClientOptions(cfg: AppConfig): DaprClientOptions {
  return {
    daprHost: cfg.DAPR_HOST,
    daprPort: String(cfg.DAPR_HTTP_PORT),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    daprApiToken: cfg.DAPR_API_TOKEN,
    isKeepAlive: true,
    logger: { level: cfg.LOG_LEVEL === "debug" || cfg.LOG_LEVEL === "trace" ? LogLevel.Debug : LogLevel.Warn },
    actor: {
      actorIdleTimeout: cfg.ACTOR_IDLE_TIMEOUT,
      actorScanInterval: cfg.ACTOR_SCAN_INTERVAL,
      drainOngoingCallTimeout: cfg.ACTOR_DRAIN_TIMEOUT,
      drainRebalancedActors: true,
      // Actors here are never reentrant: one call at a time is what makes a channel's turn safe.
      reentrancy: { enabled: false },
    },
  };
}

export function createDaprClient(cfg: AppConfig): DaprClient {
  return new DaprClient(daprClientOptions(cfg));
}
