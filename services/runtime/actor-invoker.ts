/**
 * Calls actor methods through the sidecar. The SDK's ActorProxyBuilder sends a method's arguments
 * as an array while its runtime hands the body to the method as one value, so proxies and actors
 * disagree on the shape. We invoke by name with exactly one JSON body, which is what our actor
 * methods take.
 */

import { ActorId, type DaprClient } from "@dapr/dapr";
import ActorClientModule from "@dapr/dapr/actors/client/ActorClient/ActorClient.js";

// Under ESM the CommonJS module arrives whole; its class is the `default` export.
const ActorClient = ActorClientModule.default;

export interface ActorInvoker {
  invoke<T = unknown>(actorType: string, actorId: string, method: string, body?: unknown): Promise<T>;
}

export function createActorInvoker(client: DaprClient): ActorInvoker {
  const o = client.options;
  const actorClient = new ActorClient(o.daprHost, o.daprPort, o.communicationProtocol, o);
  return {
    async invoke<T>(actorType: string, actorId: string, method: string, body?: unknown): Promise<T> {
      return (await actorClient.actor.invoke(actorType, new ActorId(actorId), method, body)) as T;
    },
  };
}
