/**
 * The webhook intake table (webhook_intake, migration 0105): a request's events are stored in the
 * same statement that claims their replay keys (webhook_dedup), so one commit both tells new
 * events from replays and makes the new ones durable; a relay takes the stored events oldest
 * first, publishes them and deletes them in one transaction.
 */

import type { Database } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

export interface IntakeEvent {
  key: string;
  topic: string;
  event: object;
}

export interface StoredIntakeEvent {
  id: string;
  topic: string;
  event: unknown;
}

const COLUMNS: UnnestColumn<IntakeEvent>[] = [
  { name: "key", type: "text", value: (e) => e.key },
  { name: "topic", type: "text", value: (e) => e.topic },
  { name: "event", type: "jsonb", value: (e) => JSON.stringify(e.event) },
];

/**
 * Claims the events' keys until `expiresAt` (an expired key counts as new again) and stores the
 * events whose key was new, in one statement. Keys must be distinct. Returns the new keys.
 */
export async function storeIntakeEvents(
  db: Database,
  events: readonly IntakeEvent[],
  expiresAt: Date,
  now: Date,
): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const i = unnestRows(events, COLUMNS, "i", 3);
  const { rows } = await db.withSession((s) =>
    s.query<{ key: string }>(
      `WITH input AS (SELECT * FROM ${i.from}),
            fresh AS (
              INSERT INTO webhook_dedup (key, expires_at) SELECT key, $1 FROM input
              ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE webhook_dedup.expires_at < $2
              RETURNING key),
            stored AS (
              INSERT INTO webhook_intake (topic, event)
              SELECT input.topic, input.event FROM input JOIN fresh USING (key) RETURNING 1)
       SELECT key FROM fresh`,
      [expiresAt, now, ...i.params],
    ),
  );
  return new Set(rows.map((r) => r.key));
}

/**
 * Hands up to `limit` stored events, oldest first, to `publish`, and deletes them once it
 * resolves; if it throws they stay for the next round. Rows locked by another relay (another
 * replica) are skipped. Returns how many were published.
 */
export async function relayIntakeEvents(
  db: Database,
  limit: number,
  publish: (events: StoredIntakeEvent[]) => Promise<void>,
): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; topic: string; event: unknown }>(
      `SELECT id::text AS id, topic, event FROM webhook_intake ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (rows.length === 0) return 0;
    const events = rows.map((r) => ({
      ...r,
      event: typeof r.event === "string" ? (JSON.parse(r.event) as unknown) : r.event,
    }));
    await publish(events);
    await tx.query(`DELETE FROM webhook_intake WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    return rows.length;
  });
}
