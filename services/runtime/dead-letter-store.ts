/**
 * The dead-letter logs the API reads, through the sidecar: each topic's DeadLetterActor keeps the
 * poison events of `<topic>.dead`.
 */

import type { DeadLetterStore } from "../../core/dead-letters.js";
import type { ActorInvoker } from "./actor-invoker.js";

const ACTOR = "DeadLetterActor";

export function actorDeadLetterStore(actors: ActorInvoker): DeadLetterStore {
  return {
    list: (topic) => actors.invoke(ACTOR, topic, "list"),
    remove: (topic, eventId) => actors.invoke(ACTOR, topic, "remove", { eventId }),
  };
}
