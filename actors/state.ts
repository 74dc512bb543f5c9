/**
 * Actor state access the actors share.
 */

import type { AbstractActor } from "@dapr/dapr";

/** Reads one actor state value, or `fallback` when it was never written (the SDK throws then). */
export async function readState<T>(actor: AbstractActor, name: string, fallback: T): Promise<T> {
  const [found, value] = await actor.getStateManager<T>().tryGetState(name);
  return found && value !== null ? value : fallback;
}
