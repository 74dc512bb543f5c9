/**
 * Runs on the reminder of the cluster's one SweeperActor (actors/sweeper/), every SWEEP_INTERVAL_MS. It is
 * what makes the pipeline lose nothing without a hand-written outbox worker:
 *  - a message committed while the broker or sidecar was down (its publish failed) is still
 *    `queued`: its channel is nudged again;
 *  - an actor timer lost with a crashed host: same;
 *  - a message left in `sending` by a dispatcher killed mid-send is requeued and counted as a
 *    possible duplicate (the provider may have accepted it before the crash).
 * Every step is idempotent, so a sweep that overlaps a moving actor's next one is harmless.
 */

import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { crashWindowRequeued, dispatchBacklog, outboxPending, recordSweep } from "../metrics.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import {
  channelsWithStaleQueue,
  queuedByChannelType,
  requeueAbandonedSends,
} from "../../db/messages/dispatch-sweeps.js";

export async function sweep(deps: {
  db: Database;
  actors: ActorInvoker;
  log: Logger;
  /** The sweep period: how long the database-wide gauges it sets stay exported. */
  intervalMs: number;
  staleQueuedMs: number;
  stuckSendingMs: number;
}): Promise<{ requeued: number; nudged: number }> {
  const now = new Date();
  recordSweep(now.getTime(), deps.intervalMs);
  const stuck = await requeueAbandonedSends(deps.db, now, deps.stuckSendingMs);
  if (stuck.length > 0) {
    crashWindowRequeued.inc(stuck.length);
    deps.log.warn(
      { count: stuck.length },
      "requeued messages left in sending by a stopped dispatcher (possible duplicates)",
    );
  }
  const channels = new Set([
    ...(await channelsWithStaleQueue(deps.db, now, deps.staleQueuedMs)),
    ...stuck.map((s) => s.channelId),
  ]);
  outboxPending.set(channels.size);
  await Promise.all(
    [...channels].map((channelId) =>
      deps.actors.invoke("ChannelActor", channelId, "nudge", {}).catch((err: unknown) => {
        deps.log.warn({ channelId, err: err instanceof Error ? err.message : String(err) }, "sweeper nudge failed");
      }),
    ),
  );
  for (const [type, n] of await queuedByChannelType(deps.db)) dispatchBacklog.set({ channel_type: type }, n);
  return { requeued: stuck.length, nudged: channels.size };
}
