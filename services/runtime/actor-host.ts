/**
 * The Dapr actor runtime, served inside our own express app rather than on a server of the SDK's.
 */

import { CommunicationProtocolEnum, DaprServer, type AbstractActor, type DaprClient } from "@dapr/dapr";
import type { Request, RequestHandler, Response } from "express";
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
  answerCallbackFailures(server.actor as unknown as Record<string, unknown>);
  await server.actor.init();
  for (const cls of actors) await server.actor.registerActor(cls as never);
  const inner = server.daprServer.getServer() as unknown as RequestHandler;
  return { handler: inner, client: server.client };
}

/**
 * The SDK serves timer, reminder and deactivation calls with async handlers that do not catch
 * (only method calls do), on its own express 4 router, which ignores a rejected handler: a timer
 * callback that fails — a send turn whose sidecar was just killed — became an unhandled rejection
 * and took the whole process down. Wrapped before the SDK binds them, a failure answers 500, which
 * the sidecar logs and, for reminders, retries.
 */
function answerCallbackFailures(sdkActorServer: Record<string, unknown>): void {
  for (const name of ["handlerTimer", "handlerReminder", "handlerDeactivate"]) {
    const handler = sdkActorServer[name];
    if (typeof handler !== "function") throw new Error(`the Dapr SDK has no ${name} to guard`);
    sdkActorServer[name] = async function guarded(this: unknown, req: Request, res: Response) {
      try {
        return (await handler.call(this, req, res)) as unknown;
      } catch (err) {
        if (!res.headersSent) res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
      }
    };
  }
}
