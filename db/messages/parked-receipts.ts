/**
 * Receipts parked until their send is recorded (table parked_receipts, migration 0050). The status
 * consumer parks a batch's early receipts in one statement; the reconciler claims due rows with a
 * lease (FOR UPDATE SKIP LOCKED in a short transaction, so replicas never take the same rows),
 * applies them, then deletes the settled ones and hands the others back for a later round. A
 * reconciler that dies mid-round leaves its rows to another one once the lease runs out; applying
 * a receipt twice changes nothing (status precedence), so a lease that ran out early is harmless.
 */

import { messageStatusEventSchema, type MessageStatusEvent } from "../../core/webhooks/events.js";
import type { Database } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

export interface ParkedReceipt {
  id: string;
  event: MessageStatusEvent;
  attempts: number;
}

const PARK_COLUMNS: UnnestColumn<MessageStatusEvent>[] = [
  { name: "channel_id", type: "uuid", value: (e) => e.channelId },
  { name: "event", type: "jsonb", value: (e) => JSON.stringify(e) },
  { name: "received_at", type: "timestamptz", value: (e) => e.receivedAt },
];

export class ParkedReceiptStore {
  constructor(private readonly db: Database) {}

  async park(events: readonly MessageStatusEvent[]): Promise<void> {
    if (events.length === 0) return;
    const p = unnestRows(events, PARK_COLUMNS, "p");
    await this.db.withSession((s) =>
      s.query(
        `INSERT INTO parked_receipts (channel_id, event, received_at) SELECT channel_id, event, received_at FROM ${p.from}`,
        p.params,
      ),
    );
  }

  /** Takes up to `limit` due receipts, oldest first, out of other reconcilers' reach for `leaseMs`. */
  async claim(limit: number, now: Date, leaseMs: number): Promise<ParkedReceipt[]> {
    const rows = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string | number; event: unknown; attempts: number }>(
        `UPDATE parked_receipts SET next_attempt_at = $3, attempts = attempts + 1
          WHERE id IN (SELECT id FROM parked_receipts WHERE next_attempt_at <= $2
                        ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, event, attempts`,
        [limit, now, new Date(now.getTime() + leaseMs)],
      );
      return rows;
    });
    return rows.map((r) => ({
      id: String(r.id),
      event: messageStatusEventSchema.parse(typeof r.event === "string" ? JSON.parse(r.event) : r.event),
      attempts: Number(r.attempts),
    }));
  }

  /** Removes receipts that are applied, superseded or given up. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.withSession((s) => s.query(`DELETE FROM parked_receipts WHERE id = ANY($1::bigint[])`, [ids]));
  }

  /** Hands still-early receipts back: due again at `at`. */
  async release(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db.withSession((s) =>
      s.query(`UPDATE parked_receipts SET next_attempt_at = $2 WHERE id = ANY($1::bigint[])`, [ids, at]),
    );
  }

  async count(): Promise<number> {
    const { rows } = await this.db.withSession((s) =>
      s.query<{ n: number | string }>(`SELECT count(*) AS n FROM parked_receipts`),
    );
    return Number(rows[0]!.n);
  }
}
