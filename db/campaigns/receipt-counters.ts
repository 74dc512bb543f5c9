/**
 * Campaign counters moved by delivery receipts. Runs inside the transaction that changes the
 * messages, so a receipt is counted exactly when its status change commits.
 *
 * Two implementations, chosen by what the database has:
 *  - the campaign schema (migration 0020) counts every status change of a campaign message
 *    itself: a statement-level trigger on messages appends one delta per campaign per statement,
 *    folded into group_messages in batches by the campaign actors and the sweep. Nothing is left
 *    to do here, and doing it again would count twice;
 *  - without that trigger, the sink adds the batch's changes to group_messages directly, one
 *    UPDATE per batch (the delivered and failed counts).
 */

import type { Database, Session } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

export interface AppliedChange {
  groupMessageId: string | null;
  from: string;
  to: string;
}

export interface CampaignCounterSink {
  readonly mode: "database_trigger" | "direct";
  apply(tx: Session, changes: readonly AppliedChange[]): Promise<void>;
}

export const triggerMaintainedCounters: CampaignCounterSink = {
  mode: "database_trigger",
  apply: async () => undefined,
};

const isDelivered = (s: string) => s === "delivered" || s === "read";

type Delta = [groupMessageId: string, counts: { delivered: number; failed: number }];
const DELTA_COLUMNS: UnnestColumn<Delta>[] = [
  { name: "id", type: "uuid", value: ([id]) => id },
  { name: "delivered", type: "int", value: ([, d]) => d.delivered },
  { name: "failed", type: "int", value: ([, d]) => d.failed },
];

export const directCounters: CampaignCounterSink = {
  mode: "direct",
  async apply(tx, changes) {
    const per = new Map<string, { delivered: number; failed: number }>();
    for (const c of changes) {
      if (!c.groupMessageId) continue;
      const d = per.get(c.groupMessageId) ?? { delivered: 0, failed: 0 };
      d.delivered += Number(isDelivered(c.to)) - Number(isDelivered(c.from));
      d.failed += Number(c.to === "failed") - Number(c.from === "failed");
      per.set(c.groupMessageId, d);
    }
    const rows = [...per].filter(([, d]) => d.delivered !== 0 || d.failed !== 0);
    if (rows.length === 0) return;
    const d = unnestRows(rows, DELTA_COLUMNS, "d");
    await tx.query(
      `UPDATE group_messages g SET delivered_count = g.delivered_count + d.delivered, failed_count = g.failed_count + d.failed, updated_at = now()
         FROM ${d.from}
        WHERE g.id = d.id`,
      d.params,
    );
  },
};

/** The sink that matches the schema: the campaign trigger when it exists, direct updates otherwise. */
export async function campaignCounterSink(db: Database): Promise<CampaignCounterSink> {
  const { rows } = await db.withSession((s) =>
    s.query(`SELECT 1 FROM pg_trigger WHERE tgname = 'trg_messages_campaign_counters' AND NOT tgisinternal LIMIT 1`),
  );
  return rows.length > 0 ? triggerMaintainedCounters : directCounters;
}
