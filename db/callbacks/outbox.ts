/**
 * The callback outbox (table callback_outbox, migration 0085). A producer stages the callback
 * events of a change in the very transaction that writes the change, then publishes them after the
 * commit; the fan-out removes an event's row in the transaction that records its deliveries. A row
 * still here long after its commit is an event whose publish was lost (the process died, the
 * broker refused): the sweep hands it to the fan-out, which records each (endpoint, event id) once
 * however often the event arrives, so the endpoint gets it exactly once.
 *
 * Only events some enabled endpoint of their own account takes are staged: an account without
 * endpoints pays one indexed look-up per batch, never a write.
 */

import { callbackEventSchema, type CallbackEvent } from "../../core/callbacks/events.js";
import type { Database, Session } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

const STAGED_COLUMNS: UnnestColumn<CallbackEvent>[] = [
  { name: "event_id", type: "uuid", value: (e) => e.id },
  { name: "account_id", type: "uuid", value: (e) => e.account_id },
  { name: "event_type", type: "text", value: (e) => e.type },
  { name: "payload", type: "jsonb", value: (e) => JSON.stringify(e) },
];

/** Writes the events on the caller's session, which must be the transaction of the change they report. */
export async function stageCallbacks(s: Session, events: readonly CallbackEvent[]): Promise<void> {
  if (events.length === 0) return;
  const o = unnestRows(events, STAGED_COLUMNS, "o");
  await s.query(
    `INSERT INTO callback_outbox (event_id, account_id, payload)
     SELECT o.event_id, o.account_id, o.payload FROM ${o.from}
      WHERE EXISTS (SELECT 1 FROM webhook_endpoints e
                     WHERE e.account_id = o.account_id AND e.enabled AND o.event_type = ANY(e.event_types))
     ON CONFLICT (event_id) DO NOTHING`,
    o.params,
  );
}

/** The fan-out recorded these events' deliveries: their rows go, in the same transaction. */
export async function settleCallbacks(s: Session, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await s.query(`DELETE FROM callback_outbox WHERE event_id = ANY($1::uuid[])`, [eventIds]);
}

/**
 * Staged events older than `before` (their publish was lost, or the fan-out is that far behind),
 * oldest first. A row that no longer parses as an event is skipped, never handed on.
 */
export async function staleCallbacks(db: Database, before: Date, limit: number): Promise<CallbackEvent[]> {
  const { rows } = await db.withSession((s) =>
    s.query<{ payload: unknown }>(
      `SELECT payload FROM callback_outbox WHERE created_at < $1 ORDER BY created_at, event_id LIMIT $2`,
      [before, limit],
    ),
  );
  return rows.flatMap((r) => {
    const parsed = callbackEventSchema.safeParse(typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload);
    return parsed.success ? [parsed.data] : [];
  });
}
