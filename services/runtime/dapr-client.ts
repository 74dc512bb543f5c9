import { CommunicationProtocolEnum, DaprClient, LogLevel } from "@dapr/dapr";
import type { AppConfig } from "../../core/config.js";

/** The one way services build a client for their own sidecar (HTTP, API token, actor settings). */
export function createDaprClient(cfg: AppConfig): DaprClient {
  return new DaprClient({
    daprHost: cfg.DAPR_HOST,
    daprPort: String(cfg.DAPR_HTTP_PORT),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    daprApiToken: cfg.DAPR_API_TOKEN,
    isKeepAlive: true,
    logger: { level: cfg.LOG_LEVEL === "debug" || cfg.LOG_LEVEL === "trace" ? LogLevel.Debug : LogLevel.Warn },
    actor: {
      actorIdleTimeout: cfg.ACTOR_IDLE_TIMEOUT,
      drainOngoingCallTimeout: cfg.ACTOR_DRAIN_TIMEOUT,
      drainRebalancedActors: true,
      // Actors here are never reentrant: one call at a time is what makes a channel's turn safe.
      reentrancy: { enabled: false },
    },
  });
}
