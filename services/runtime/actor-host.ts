/**
 * The Dapr actor runtime, served inside our own express app rather than on a server of the SDK's.
 */

import { CommunicationProtocolEnum, DaprServer, type AbstractActor, type DaprClient } from "@dapr/dapr";
import type { RequestHandler } from "express";
import type { AppConfig } from "../../core/config.js";
import { daprClientOptions } from "./dapr-client.js";

type ActorClass = new (...args: never[]) => AbstractActor;

/**
 * Hosts actors through the SDK's actor runtime without letting the SDK own our HTTP server:
 * we take the SDK's request handler (its /dapr/config and /actors/* routes) and mount it inside
 * our app, behind the app-token check. The SDK's server is never started, so it never listens.
 */
export async function createActorHost(
  cfg: AppConfig,
  actors: ActorClass[],
): Promise<{ handler: RequestHandler; client: DaprClient }> {
  const server = new DaprServer({
    serverHost: cfg.APP_HOST,
    serverPort: String(cfg.APP_PORT),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    clientOptions: daprClientOptions(cfg),
  });
  await server.actor.init();
  for (const cls of actors) await server.actor.registerActor(cls as never);
  const inner = server.daprServer.getServer() as unknown as RequestHandler;
  return { handler: inner, client: server.client };
}
