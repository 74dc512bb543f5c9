/**
 * The sweep's callback step: events staged in the outbox with their change but still there after
 * `staleMs` lost their publish (the process died after its commit, or the broker refused). They go
 * to the fan-out directly, not through the broker that may be what failed; the fan-out records
 * each (endpoint, event id) once, so an event whose publish was only slow is not sent twice.
 */

import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { staleCallbacks } from "../../db/callbacks/outbox.js";
import type { CallbackFanout } from "./fanout.js";

/** Events one sweep hands on at most; a longer backlog continues on the next sweep. */
const PER_SWEEP = 5_000;
/** The fan-out takes at most this many events per call (the size of one published batch). */
const PER_HANDOFF = 500;

export async function sweepCallbackOutbox(deps: {
  db: Database;
  fanout: Pick<CallbackFanout, "handle">;
  log: Logger;
  staleMs: number;
  now?: Date;
}): Promise<number> {
  const now = deps.now ?? new Date();
  const events = await staleCallbacks(deps.db, new Date(now.getTime() - deps.staleMs), PER_SWEEP);
  if (events.length === 0) return 0;
  deps.log.warn(
    { events: events.length },
    "callback events whose publish was lost, handed to the fan-out from the outbox",
  );
  for (let i = 0; i < events.length; i += PER_HANDOFF) await deps.fanout.handle(events.slice(i, i + PER_HANDOFF));
  return events.length;
}
