/**
 * The campaign and schedule part of the periodic sweep (the cluster's one SweeperActor). It is
 * a safety net, not the mechanism: campaigns run on their actors' timers and reminders and
 * schedules fire on reminders. The sweep
 *  - folds counter deltas no actor is folding (receipts for finished campaigns),
 *  - starts campaigns whose group_message.queued event was lost (publish failed after commit),
 *    or whose actor chain broke,
 *  - re-arms schedules whose trigger is overdue (created while the broker was down).
 * Everything it calls is idempotent, so a repeated sweep is harmless.
 */

import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { foldCounters } from "../../db/campaigns/counter-fold.js";
import { stalledCampaignIds } from "../../db/campaigns/stalled.js";
import { overdueScheduleIds } from "../../db/schedules/overdue.js";

export async function campaignSweep(deps: {
  db: Database;
  actors: ActorInvoker;
  log: Logger;
  staleMs?: number;
}): Promise<{ folded: number; campaigns: number; schedules: number }> {
  const staleMs = deps.staleMs ?? 30_000;
  const folded = (await foldCounters(deps.db)).size;
  const campaigns = await stalledCampaignIds(deps.db, new Date(Date.now() - staleMs));
  const schedules = await overdueScheduleIds(deps.db, new Date(Date.now() - staleMs));
  const call = (type: string, id: string, method: string, body: object) =>
    deps.actors.invoke(type, id, method, body).catch((err: unknown) => {
      deps.log.warn(
        { actorType: type, id, err: err instanceof Error ? err.message : String(err) },
        "campaign sweep call failed",
      );
    });
  await Promise.all([
    ...campaigns.map((id) => call("CampaignActor", id, "start", {})),
    ...schedules.map((id) => call("ScheduleActor", id, "sync", { reason: "recovered" })),
  ]);
  if (campaigns.length + schedules.length > 0)
    deps.log.info(
      { campaigns: campaigns.length, schedules: schedules.length },
      "sweep restarted stalled campaigns or schedules",
    );
  return { folded, campaigns: campaigns.length, schedules: schedules.length };
}
