import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { foldCounters } from "../../db/campaigns/counter-fold.js";

/**
 * The campaign and schedule part of the periodic sweep (the dispatch-sweeper cron binding). It is
 * a safety net, not the mechanism: campaigns run on their actors' timers and reminders and
 * schedules fire on reminders. The sweep
 *  - folds counter deltas no actor is folding (receipts for finished campaigns),
 *  - starts campaigns whose group_message.queued event was lost (publish failed after commit),
 *    or whose actor chain broke,
 *  - re-arms schedules whose trigger is overdue (created while the broker was down).
 * Everything it calls is idempotent, so several replicas sweeping at once is harmless.
 */
export async function campaignSweep(deps: { db: Database; actors: ActorInvoker; log: Logger; staleMs?: number }): Promise<{ folded: number; campaigns: number; schedules: number }> {
  const staleMs = deps.staleMs ?? 30_000;
  const folded = (await foldCounters(deps.db)).size;
  const { campaigns, schedules } = await deps.db.withSession(async (s) => {
    const c = await s.query<{ id: string }>(
      `SELECT g.id FROM group_messages g LEFT JOIN campaign_fanout f ON f.group_message_id = g.id
        WHERE g.status IN ('queued', 'processing') AND g.updated_at < $1 AND (f.updated_at IS NULL OR f.updated_at < $1)
        LIMIT 200`,
      [new Date(Date.now() - staleMs)],
    );
    const sch = await s.query<{ id: string }>(
      `SELECT id FROM scheduled_messages WHERE status = 'pending' AND next_trigger_at < $1 LIMIT 200`,
      [new Date(Date.now() - staleMs)],
    );
    return { campaigns: c.rows.map((r) => r.id), schedules: sch.rows.map((r) => r.id) };
  });
  const call = (type: string, id: string, method: string, body: object) =>
    deps.actors.invoke(type, id, method, body).catch((err: unknown) => {
      deps.log.warn({ actorType: type, id, err: err instanceof Error ? err.message : String(err) }, "campaign sweep call failed");
    });
  await Promise.all([...campaigns.map((id) => call("CampaignActor", id, "start", {})), ...schedules.map((id) => call("ScheduleActor", id, "sync", { reason: "recovered" }))]);
  if (campaigns.length + schedules.length > 0) deps.log.info({ campaigns: campaigns.length, schedules: schedules.length }, "sweep restarted stalled campaigns or schedules");
  return { folded, campaigns: campaigns.length, schedules: schedules.length };
}
