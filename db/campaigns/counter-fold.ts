/**
 * Folding counter deltas into group_messages (stage two of the counting; stage one is the
 * per-statement delta written by the fan-out and by the trigger of migration 0020). A fold takes
 * a bounded batch of deltas, deletes them and adds their sums to the rows in one transaction,
 * so a crash either folds a batch or leaves it for the next fold, never half. Concurrent folds
 * skip each other's locked deltas; additions commute, so the order does not matter.
 */

import {
  COUNTER_FIELDS,
  sumDeltas,
  type CampaignCounters,
  type CounterDelta,
} from "../../core/campaign/progress-counters.js";
import type { CampaignState } from "../../core/callbacks/campaign-callbacks.js";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import type { Database } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

export function rowCounters(r: Record<string, unknown>): CampaignCounters {
  return {
    total: Number(r.total_recipients ?? 0),
    queued: Number(r.queued_count ?? 0),
    sent: Number(r.sent_count ?? 0),
    delivered: Number(r.delivered_count ?? 0),
    read: Number(r.read_count ?? 0),
    failed: Number(r.failed_count ?? 0),
    cancelled: Number(r.cancelled_count ?? 0),
    skipped: Number(r.skipped_count ?? 0),
    skippedReasons: (r.skipped_reasons ?? {}) as Record<string, number>,
  };
}

/** A group_messages row as the campaign callbacks describe it. */
export function campaignState(r: Record<string, unknown>): CampaignState {
  return { id: String(r.id), accountId: String(r.account_id), status: String(r.status), counters: rowCounters(r) };
}

const FOLD_BATCH = 20_000;

type Sums = Required<CounterDelta> & { id: string };
const SUM_COLUMNS: UnnestColumn<Sums>[] = [
  { name: "id", type: "uuid", value: (x) => x.id },
  ...COUNTER_FIELDS.map((f): UnnestColumn<Sums> => ({ name: f, type: "int", value: (x) => x[f] })),
  { name: "reasons", type: "jsonb", value: (x) => JSON.stringify(x.skippedReasons) },
];

/**
 * Folds pending deltas of the given campaigns (all campaigns when `ids` is undefined). Returns
 * the fresh counters of every campaign it touched. `callbacksOf` turns the campaigns whose
 * counters moved into callback events (campaign.progress), staged in the fold's transaction
 * (db/callbacks/outbox.ts).
 */
export async function foldCounters(
  db: Database,
  ids?: readonly string[],
  callbacksOf?: (moved: readonly CampaignState[]) => readonly CallbackEvent[],
): Promise<Map<string, CampaignCounters>> {
  const out = new Map<string, CampaignCounters>();
  return db.transaction(async (s) => {
    const filter = ids ? "WHERE group_message_id = ANY($2::uuid[])" : "";
    const { rows } = await s.query<Record<string, unknown>>(
      `WITH d AS (
         DELETE FROM group_message_counter_deltas
          WHERE id IN (SELECT id FROM group_message_counter_deltas ${filter} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING *)
       SELECT group_message_id, sum(queued)::int AS queued, sum(sent)::int AS sent, sum(delivered)::int AS delivered, sum(read)::int AS read,
              sum(failed)::int AS failed, sum(cancelled)::int AS cancelled, sum(skipped)::int AS skipped,
              COALESCE(jsonb_agg(skipped_reasons) FILTER (WHERE skipped_reasons IS NOT NULL), '[]'::jsonb) AS reasons
         FROM d GROUP BY group_message_id`,
      ids ? [FOLD_BATCH, ids] : [FOLD_BATCH],
    );
    if (rows.length === 0) return out;
    const sums = rows.map((r) => ({
      id: String(r.group_message_id),
      ...sumDeltas([
        {
          queued: Number(r.queued),
          sent: Number(r.sent),
          delivered: Number(r.delivered),
          read: Number(r.read),
          failed: Number(r.failed),
          cancelled: Number(r.cancelled),
          skipped: Number(r.skipped),
        },
        ...(r.reasons as Record<string, number>[]).map((skippedReasons): CounterDelta => ({ skippedReasons })),
      ]),
    }));
    const u = unnestRows(sums, SUM_COLUMNS, "u");
    const updated = await s.query<Record<string, unknown>>(
      `UPDATE group_messages g SET
          queued_count = g.queued_count + u.queued, sent_count = g.sent_count + u.sent, delivered_count = g.delivered_count + u.delivered,
          read_count = g.read_count + u.read, failed_count = g.failed_count + u.failed, cancelled_count = g.cancelled_count + u.cancelled,
          skipped_count = g.skipped_count + u.skipped,
          skipped_reasons = CASE WHEN u.reasons = '{}'::jsonb THEN g.skipped_reasons ELSE
            (SELECT COALESCE(jsonb_object_agg(k, n), '{}'::jsonb) FROM (
               SELECT k, sum(v)::int AS n FROM (
                 SELECT key AS k, value::int AS v FROM jsonb_each_text(g.skipped_reasons)
                 UNION ALL SELECT key, value::int FROM jsonb_each_text(u.reasons)) x GROUP BY k) y) END,
          updated_at = now()
         FROM ${u.from}
        WHERE g.id = u.id
       RETURNING g.*`,
      u.params,
    );
    for (const r of updated.rows) out.set(String(r.id), rowCounters(r));
    if (callbacksOf && updated.rows.length > 0) await stageCallbacks(s, callbacksOf(updated.rows.map(campaignState)));
    return out;
  });
}

/** Counters of one campaign read fresh (folding what is pending first). */
export async function currentCounters(db: Database, id: string): Promise<CampaignCounters | undefined> {
  const folded = await foldCounters(db, [id]);
  const fresh = folded.get(id);
  if (fresh) return fresh;
  return db.withSession(async (s) => {
    const { rows } = await s.query<Record<string, unknown>>(`SELECT * FROM group_messages WHERE id = $1`, [id]);
    return rows[0] ? rowCounters(rows[0]) : undefined;
  });
}

/**
 * The counters recomputed from the messages themselves, with the same rules as the trigger (for
 * checks and tests; skips without a row come from the fan-out's reasons).
 */
export async function recountFromMessages(
  db: Database,
  id: string,
): Promise<Omit<CampaignCounters, "total" | "skippedReasons"> & { rows: number }> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<Record<string, number>>(
      `SELECT count(*)::int AS rows,
              count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS queued,
              count(*) FILTER (WHERE status IN ('sent', 'delivered', 'read') OR (status = 'failed' AND sent_at IS NOT NULL))::int AS sent,
              count(*) FILTER (WHERE status IN ('delivered', 'read'))::int AS delivered,
              count(*) FILTER (WHERE status = 'read')::int AS read,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE status = 'skipped')::int AS skipped
         FROM messages WHERE group_message_id = $1`,
      [id],
    );
    const r = rows[0]!;
    return {
      rows: r.rows!,
      queued: r.queued!,
      sent: r.sent!,
      delivered: r.delivered!,
      read: r.read!,
      failed: r.failed!,
      cancelled: r.cancelled!,
      skipped: r.skipped!,
    };
  });
}
